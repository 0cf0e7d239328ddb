"""Serverless GPU providers (Modal, Replicate, RunPod, Beam): which ones advisor models.

How each one bills (increment, idle and cold-start seconds, default keep-warm window) is
published with its prices, so those rules live with their sources in the price catalog
(``pricing/serverless-gpu.yaml``) and are read from a :class:`~advisor.pricing.PriceCatalog`.
"""

from __future__ import annotations

from typing import Final

PROVIDERS: Final = ("modal", "replicate", "runpod", "beam")
#: Cold start of a GPU container including the model load (s), when the user gives none: an
#: assumption between the ~10 s of a small model and the minute of BLIP on these platforms
#: (designstripe's BLIP measurements on Replicate took well over a minute).
DEFAULT_COLD_START_S: Final = 30.0
#: GPU type names ending in this are always-on workers (billed continuously), not serverless.
ALWAYS_ON_SUFFIX: Final = "-active"

"""Serverless GPU providers (Modal, Replicate, RunPod, Beam): which ones advisor models.

How each one bills (increment, idle and cold-start seconds, default keep-warm window) is
published with its prices, so those rules live with their sources in the price catalog
(``pricing/serverless-gpu.yaml``) and are read from a :class:`~advisor.pricing.PriceCatalog`.
"""

from __future__ import annotations

from typing import Final

PROVIDERS: Final = ("modal", "replicate", "runpod", "beam")

"""Platform facts: one module per platform, each fact in exactly one place.

- :mod:`advisor.platform.aws_lambda`: memory bounds and step, MB per vCPU, billing
  granularity, default region and architecture, keep-alive assumptions, timeouts, and one
  validator per fact (:func:`~advisor.platform.aws_lambda.check_memory_mb`, ...).
- :mod:`advisor.platform.cloud_run`: per-instance concurrency, billing modes, timeouts, GPU.
- :mod:`advisor.platform.serverless_gpu` and :mod:`advisor.platform.dedicated`: which providers
  and instance families advisor models (their billing rules are catalog data, with sources).
- :mod:`advisor.platform._base`: :class:`Bound`, the one way a range is checked.

Prices are not facts of this package: they live in the dated catalogs (:mod:`advisor.pricing`).
"""

from advisor.platform import aws_lambda, cloud_run, dedicated, serverless_gpu
from advisor.platform._base import Bound

__all__ = ["Bound", "aws_lambda", "cloud_run", "dedicated", "serverless_gpu"]

"""The break-even: the same traffic on every platform, at the real volume and scaled, and where the cheapest
platform that meets the SLA changes.

Built as optuna builds its samplers: the contract in :mod:`advisor.breakeven._base`
(:class:`PlatformModel`, :class:`PlatformResult`), one module per platform beside it, and
:func:`breakeven` (:mod:`advisor.breakeven.study`) running them all. docs/breakeven.md says
what each model assumes and where its figures come from. The names are loaded on first use,
so that a command's help does not load the replay engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor._lazy import lazy_getattr

if TYPE_CHECKING:  # what the names are, for type checkers; they are loaded by __getattr__
    # ruff: noqa: F401 - imported for type checkers only
    from advisor.breakeven._base import (
        DEFAULT_BATCH,
        DEFAULT_BATCH_WAIT_MS,
        PlatformModel,
        PlatformResult,
        Service,
        Workload,
    )
    from advisor.breakeven.aws_lambda import LambdaModel
    from advisor.breakeven.cloud_run import CloudRunModel
    from advisor.breakeven.dedicated import DedicatedModel
    from advisor.breakeven.gpu_time import GpuTimes
    from advisor.breakeven.serverless_gpu import ServerlessGpuModel, default_gpus
    from advisor.breakeven.study import Breakeven, Crossover, breakeven
    from advisor.breakeven.volume import DEFAULT_FACTORS, at_volume

_EXPORTS = {
    "DEFAULT_BATCH": "advisor.breakeven._base",
    "DEFAULT_BATCH_WAIT_MS": "advisor.breakeven._base",
    "Breakeven": "advisor.breakeven.study",
    "CloudRunModel": "advisor.breakeven.cloud_run",
    "Crossover": "advisor.breakeven.study",
    "DEFAULT_FACTORS": "advisor.breakeven.volume",
    "DedicatedModel": "advisor.breakeven.dedicated",
    "GpuTimes": "advisor.breakeven.gpu_time",
    "LambdaModel": "advisor.breakeven.aws_lambda",
    "PlatformModel": "advisor.breakeven._base",
    "PlatformResult": "advisor.breakeven._base",
    "ServerlessGpuModel": "advisor.breakeven.serverless_gpu",
    "Service": "advisor.breakeven._base",
    "Workload": "advisor.breakeven._base",
    "at_volume": "advisor.breakeven.volume",
    "breakeven": "advisor.breakeven.study",
    "default_gpus": "advisor.breakeven.serverless_gpu",
}

__all__ = sorted(_EXPORTS)  # noqa: PLE0605 - the names above, loaded lazily

__getattr__ = lazy_getattr(__name__, _EXPORTS)

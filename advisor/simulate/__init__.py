"""Replay engine: historical traffic through a simulated instance pool.

The public API is :func:`replay` with :class:`ReplayConfig` in and :class:`ReplayResult` out
(``.summary()`` for the summary dict); :mod:`advisor.simulate.inputs` turns invocation records
into a :class:`~advisor.simulate.inputs.Trace`. The names are loaded on first use, so that
modules needing only the routing rules (the local target) do not load the compiled engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor._lazy import lazy_getattr

if TYPE_CHECKING:  # what the names are, for type checkers; they are loaded by __getattr__
    # ruff: noqa: F401 - imported for type checkers only
    from advisor.platform.aws_lambda import DEFAULT_KEEP_ALIVE_S
    from advisor.simulate._base import EmpiricalInit, ReplayConfig, ReplayResult
    from advisor.simulate.engine import replay
    from advisor.simulate.routing import DEFAULT_ROUTING, ROUTING_CODES
    from advisor.simulate.schedule import ProvisionedSchedule

_EXPORTS = {
    "DEFAULT_KEEP_ALIVE_S": "advisor.platform.aws_lambda",
    "DEFAULT_ROUTING": "advisor.simulate.routing",
    "ROUTING_CODES": "advisor.simulate.routing",
    "EmpiricalInit": "advisor.simulate._base",
    "ProvisionedSchedule": "advisor.simulate.schedule",
    "ReplayConfig": "advisor.simulate._base",
    "ReplayResult": "advisor.simulate._base",
    "replay": "advisor.simulate.engine",
}

__all__ = sorted(_EXPORTS)  # noqa: PLE0605 - the names above, loaded lazily

__getattr__ = lazy_getattr(__name__, _EXPORTS)

"""Replay engine: historical traffic through a simulated instance pool.

The public API is :func:`replay` with :class:`ReplayConfig` in and :class:`ReplayResult` out
(``.summary()`` for the summary dict); :mod:`advisor.simulate.inputs` reads traces.
"""

from advisor.simulate._base import DEFAULT_KEEP_ALIVE_S, EmpiricalInit, ReplayConfig, ReplayResult
from advisor.simulate.engine import replay
from advisor.simulate.routing import DEFAULT_ROUTING, ROUTING_CODES
from advisor.simulate.schedule import ProvisionedSchedule

__all__ = [
    "DEFAULT_KEEP_ALIVE_S",
    "DEFAULT_ROUTING",
    "ROUTING_CODES",
    "EmpiricalInit",
    "ProvisionedSchedule",
    "ReplayConfig",
    "ReplayResult",
    "replay",
]

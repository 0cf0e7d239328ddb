"""The evidence a recommendation rests on: what the workspace already holds, nothing invoked.

Each source turns one kind of stored record into :class:`advisor.tune.measure.Measurement`
objects, one per memory size and architecture, exactly as the tuner's own trials are:

- ``tuning``: the invocations ``advisor tune`` made (:func:`advisor.tune.records.tuning_records`);
- ``traffic``: the function's imported production invocations (``Workspace.invocations(F,
  tuning=False)``), grouped by memory size and architecture: their warm durations and, where the
  logs hold them, the init times of their cold starts. Requests that did not succeed are left
  out of the durations and counted in :attr:`Evidence.failed_requests`: one error among
  thousands of requests says nothing about a memory size, as a tuning trial's failure does.

:data:`SOURCES` is a tuple of ``(name, source)`` pairs so that another source (Power Tuning
results) plugs in beside them; every source is a ``Callable[[Workspace, str], list[Measurement]]``.
The imported traffic is also the :class:`~advisor.simulate.inputs.Trace` every candidate is
replayed on (the tuner's traffic, :func:`advisor.tune.traffic.imported`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from advisor.platform.aws_lambda import DEFAULT_ARCH
from advisor.powertuning.evidence import measurements as powertuning
from advisor.record import STATUS_SUCCESS
from advisor.tune.measure import Measurement
from advisor.tune.records import tuning_records

if TYPE_CHECKING:
    from advisor.simulate.inputs import Trace
    from advisor.workspace import FunctionInfo, Workspace

EvidenceSource = Callable[["Workspace", str], list[Measurement]]
TUNING: Final = "tuning"
TRAFFIC: Final = "traffic"
POWERTUNING: Final = "powertuning"
#: The record fields a measurement keeps (the ones scoring and pricing read).
FIELDS: Final = ("request_id", "status", "error_type", "duration_ms", "billed_duration_ms", "memory_mb",
                 "max_memory_used_mb", "init_ms", "architecture")


def tuning(store: Workspace, function: str) -> list[Measurement]:
    """The invocations ``advisor tune`` made of ``function``, one measurement per size and architecture."""
    return measurements_of(tuning_records(store, function), default_arch=_default_arch(store, function))


def traffic(store: Workspace, function: str, *, since: datetime | None = None,
            until: datetime | None = None) -> list[Measurement]:
    """The successful imported invocations of ``function``, one measurement per size and architecture."""
    frame = store.invocations(function, since=since, until=until, tuning=False)
    return measurements_of(_succeeded(frame), default_arch=_default_arch(store, function))


SOURCES: tuple[tuple[str, EvidenceSource], ...] = ((TUNING, tuning), (TRAFFIC, traffic), (POWERTUNING, powertuning))


@dataclass(frozen=True)
class Evidence:
    """What the workspace holds of one function.

    Attributes:
        function: The function.
        info: Its configuration as the workspace knows it.
        sources: Per source name, its measurements.
        trace: The imported traffic (the arrivals every candidate is replayed on), or None.
        failed_requests: Imported requests that did not succeed, by ``status: error type``.
    """

    function: str
    info: FunctionInfo
    sources: dict[str, list[Measurement]]
    trace: Trace | None
    failed_requests: dict[str, int] = field(default_factory=dict)

    def measurements(self, architecture: str | None = None) -> list[Measurement]:
        """Every measurement (of ``architecture`` only, when given), every source pooled."""
        return [m for found in self.sources.values() for m in found
                if architecture is None or m.architecture == architecture]

    def architectures(self) -> list[str]:
        """The architectures measured, the function's own first."""
        found = {m.architecture for m in self.measurements()}
        own = self.info.architecture or DEFAULT_ARCH
        return sorted(found, key=lambda a: (a != own, a))

    def sizes(self, architecture: str) -> list[int]:
        """The sizes of ``architecture`` with a successful duration, ascending."""
        return sorted({m.memory_mb for m in self.measurements(architecture) if len(m.durations_ms())})

    def count(self, source: str) -> int | None:
        """What ``source`` holds: its invocations, or (a source of summaries without invocations,
        such as Power Tuning's means) its sizes; None when the source has nothing."""
        found = self.sources.get(source, [])
        if not found:
            return None
        made = sum(m.invocations for m in found)
        return made if made else len(found)


def gather(store: Workspace, function: str, *, since: datetime | None = None,
           until: datetime | None = None) -> Evidence:
    """Every source's measurements of ``function`` and its imported traffic.

    ``since``/``until`` window the imported traffic (what is replayed and what it measured);
    other sources are measurements made on purpose and are always all used.

    Raises:
        NotFoundError: ``function`` is not in the workspace (the message names the known ones).
    """
    from advisor.simulate.inputs import Trace

    info = store.function(function)
    # The traffic is read once, windowed: the same records are measured and replayed (the
    # trace is advisor.tune.traffic.imported's, without reading the records again).
    frame = store.invocations(function, since=since, until=until, tuning=False)
    found: dict[str, list[Measurement]] = {}
    for name, source in SOURCES:
        if name == TRAFFIC:
            found[name] = measurements_of(_succeeded(frame), default_arch=info.architecture or DEFAULT_ARCH)
        else:
            found[name] = source(store, function)
    trace = Trace.from_records(frame, function) if not frame.empty else None
    return Evidence(function, info, found, trace, _failures(frame))


def measurements_of(frame: pd.DataFrame, *, default_arch: str) -> list[Measurement]:
    """One measurement per (memory size, architecture) of invocation records (``memory_mb``
    unknown: left out; architecture unknown: ``default_arch``, as logs never say it)."""
    if frame.empty:
        return []
    kept = frame[frame["memory_mb"].notna()]
    columns = {name: kept[name] for name in FIELDS if name in kept}
    plain = pd.DataFrame(columns).astype(object)
    plain = plain.where(plain.notna(), None)
    plain["architecture"] = [a if isinstance(a, str) else default_arch for a in plain.get(
        "architecture", pd.Series([None] * len(plain), index=plain.index))]
    out = []
    for (memory, arch), group in plain.groupby(["memory_mb", "architecture"], sort=True):
        records: tuple[dict[str, Any], ...] = tuple(group.to_dict("records"))
        out.append(Measurement(int(memory), str(arch), records))
    return out


def _succeeded(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[(frame["status"] == STATUS_SUCCESS).fillna(False) & frame["duration_ms"].notna()]


def _failures(frame: pd.DataFrame) -> dict[str, int]:
    if frame.empty:
        return {}
    failed = frame[(frame["status"] != STATUS_SUCCESS).fillna(True)]
    kinds = (failed["status"].fillna("unknown").astype(str) + ": "
             + failed["error_type"].fillna("unknown error").astype(str))
    return {str(k): int(n) for k, n in kinds.value_counts().items()}


def _default_arch(store: Workspace, function: str) -> str:
    return store.function(function).architecture or DEFAULT_ARCH

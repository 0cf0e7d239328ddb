"""Inputs of a replay: invocation records, from a trace file or from the workspace, as a :class:`Trace`.

There is one reader per input kind and it is not here: trace files are read by
:func:`advisor.logs.read_traces` (the same reader ``advisor import trace`` stores with), and
workspace functions by :meth:`advisor.workspace.Workspace.invocations`. Both give invocation
records; :meth:`Trace.from_records` turns either into the arrays the engine replays, the same
way, so ``advisor replay --trace T F`` and ``advisor import trace T`` + ``advisor replay F``
replay identical requests.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from advisor.errors import InputError, NotFoundError, UsageError
from advisor.simulate._base import EmpiricalInit, InitSpec
from advisor.units import NS_PER_S

if TYPE_CHECKING:
    import pandas as pd

    from advisor.workspace import Workspace

#: Functions named in the message when a trace file holds several and none was chosen.
SHOWN_FUNCTIONS = 5


@dataclass
class Trace:
    """Requests to replay.

    Attributes:
        name: Where they come from (file, function, hash).
        arrivals_s: Arrival times, epoch seconds, sorted ascending.
        service_ms: Service (handler) time of each request, ms.
        init_ms: Observed init time of each request, NaN where it was not a cold start;
            ``None`` when the source does not record cold starts at all.
        memory_mb: Memory size the service times were measured at, if known.
        log_stream: Execution environment of each request, when the logs say (calibration).
        request_memory_mb: Memory size of each request (NaN where unknown).
        observed: Whether the arrivals happened (a log, a trace) or were drawn (a steady rate).
    """

    name: str
    arrivals_s: np.ndarray
    service_ms: np.ndarray
    init_ms: np.ndarray | None = None
    memory_mb: int | None = None
    log_stream: np.ndarray | None = None
    request_memory_mb: np.ndarray | None = None
    observed: bool = True

    def __len__(self) -> int:
        return int(self.arrivals_s.shape[0])

    @classmethod
    def from_records(cls, records: pd.DataFrame, name: str) -> Trace:
        """The requests of invocation records (:mod:`advisor.record` columns).

        Arrivals are the start times (end times where a start is unknown), ordered by start,
        end and request id; service is ``duration_ms``; init the observed cold starts (a source
        without any ``init_ms`` and without log streams records no cold starts: ``None``); the
        memory is the most frequent ``memory_mb``.
        """
        start = _ns(records["start_time"])
        end = _ns(records["end_time"])
        arrival_ns = np.where(start == _NAT, end, start)
        order = np.lexsort((records["request_id"].to_numpy(dtype=object).astype(str), end, arrival_ns))
        init = records["init_ms"].to_numpy(dtype=np.float64, na_value=np.nan)[order]
        streams = records["log_stream"]
        knows_cold = bool(np.isfinite(init).any() or streams.notna().any())
        memory = records["memory_mb"].dropna()
        sizes = records["memory_mb"].to_numpy(dtype=np.float64, na_value=np.nan)
        return cls(
            name=name,
            arrivals_s=_seconds(arrival_ns[order]),
            service_ms=records["duration_ms"].to_numpy(dtype=np.float64)[order],
            init_ms=init if knows_cold else None,
            memory_mb=int(memory.mode().iloc[0]) if not memory.empty else None,
            log_stream=streams.to_numpy(dtype=object, na_value=None)[order] if streams.notna().any() else None,
            request_memory_mb=sizes[order] if np.isfinite(sizes).any() else None,
        )

    def init_spec(self, override_ms: float | None = None) -> InitSpec:
        """The init model to replay with: ``override_ms``, else the observed cold starts drawn
        empirically, else 0 (no init observed)."""
        if override_ms is not None:
            return float(override_ms)
        if self.init_ms is not None:
            observed = self.init_ms[np.isfinite(self.init_ms)]
            if observed.size:
                return EmpiricalInit(observed)
        return 0.0

    @property
    def knows_init(self) -> bool:
        """Whether any cold start's init time was observed."""
        return self.init_ms is not None and bool(np.isfinite(self.init_ms).any())


_NAT = np.iinfo(np.int64).min


def _ns(times: pd.Series) -> np.ndarray:
    """Epoch ns of a UTC datetime series; NaT as the int64 minimum."""
    return times.dt.as_unit("ns").to_numpy(dtype="datetime64[ns]").view(np.int64)


def _seconds(ns: np.ndarray) -> np.ndarray:
    # whole seconds and the fraction apart: ns / 1e9 alone rounds 1.25 s to 1.2499998
    return (ns // NS_PER_S).astype(np.float64) + (ns % NS_PER_S) / NS_PER_S


def read_trace_file(path: Path, *, function: str | None = None, seed: int = 0, together: bool = False) -> Trace:
    """The requests of one function in a trace file, read by :func:`advisor.logs.read_traces`.

    Args:
        path: A trace advisor imports (Azure Functions 2019/2021, Azure LLM 2023, generic CSV).
        function: The function (a hash prefix, or for a generic CSV its name); needed when the
            file holds several, unless ``together``.
        seed: Seed of the reader's draws (arrivals within a minute, durations).
        together: Replay every function of the file as one pool (as a platform that shares
            instances between them would).

    Raises:
        NotFoundError, InputError: from the reader (missing file, bad rows, which are refused
            rather than skipped).
        UsageError: the file holds several functions and ``function`` does not choose one.
    """
    from advisor.logs.traces import read_traces

    result = read_traces([path], function=function, seed=seed, default_name=path.stem)
    if result.rejected:
        first = result.rejected[0]
        more = f" ({len(result.rejected) - 1:,} more rows are bad)" if len(result.rejected) > 1 else ""
        raise InputError(f"{first.file}:{first.line}: {first.reason}{more}.",
                         hint="Fix or remove that row: a replay uses every request of the trace.")
    records = result.records
    names = records["function"].value_counts()
    if together and len(names) > 1:
        return Trace.from_records(records, path.name)
    if len(names) > 1:
        busiest = ", ".join(f"{n} ({c:,})" for n, c in names.head(SHOWN_FUNCTIONS).items())
        raise UsageError(f"{path} holds {len(names):,} functions; name the one to replay, or pass --all-functions "
                         "to replay them as one pool.",
                         hint=f"Give it as FUNCTION (a hash prefix). Busiest: {busiest}.")
    function_name = str(names.index[0])
    return Trace.from_records(records, f"{path.name}:{function_name}")


def from_workspace(workspace: Workspace, function: str, *, since: datetime | None = None,
                   until: datetime | None = None) -> Trace:
    """A workspace function's invocations in ``since <= end < until``.

    Raises:
        NotFoundError: No invocations in the window.
    """
    frame = workspace.invocations(function, since=since, until=until)
    if frame.empty:
        raise NotFoundError(f"function {function!r} has no invocations in the workspace for that window.",
                            hint="Import its logs first (advisor import ...), or widen --since/--until.")
    return Trace.from_records(frame, function)


def load_trace(*, function: str | None, trace_path: Path | None, workspace: Workspace | None = None,
               since: datetime | None = None, until: datetime | None = None, seed: int = 0,
               together: bool = False) -> Trace:
    """The trace of ``advisor replay``: ``trace_path`` if given, else workspace ``function``.

    Raises:
        UsageError: neither is given, or a workspace function without a workspace.
    """
    if trace_path is not None:
        return read_trace_file(trace_path, function=function, seed=seed, together=together)
    if not function:
        raise UsageError("nothing to replay.", hint="Give a FUNCTION from the workspace or --trace PATH.")
    if workspace is None:
        raise UsageError(f"cannot replay {function!r} without a workspace.", hint="Pass --workspace DIR.")
    return from_workspace(workspace, function, since=since, until=until)
def at_memory(trace: Trace, memory_mb: int | None, *, seed: int = 0) -> Trace:
    """The trace with its service times (and cold-start init times) moved to ``memory_mb``.

    A trace that does not say its memory size is taken as measured at ``memory_mb``. Otherwise
    every request moves from the memory it ran at through the one rescaling path of the models
    (:func:`advisor.models.memory_scaling`: one duration model, and a cold-start model when the
    cold starts allow one, fitted once per function and memory set), which needs measurements
    at two memory sizes or more (a workspace function whose memory changed, or tuning runs).

    Raises:
        UsageError: the trace cannot say how its durations change with memory.
    """
    if memory_mb is None or (memory_mb == trace.memory_mb and trace.request_memory_mb is None):
        return trace
    if trace.memory_mb is None and trace.request_memory_mb is None:
        return dataclasses.replace(trace, memory_mb=memory_mb)  # a trace file: it ran at --memory
    sizes = trace.request_memory_mb
    known = np.unique(sizes[np.isfinite(sizes)]) if sizes is not None else np.array([])
    if memory_mb == trace.memory_mb and known.size <= 1:
        return trace
    if sizes is None or known.size < 2:
        measured = f"{trace.memory_mb} MB only" if trace.memory_mb else "an unknown memory size"
        raise UsageError(
            f"--memory {memory_mb}: {trace.name} was measured at {measured}, so how its durations change "
            "with memory is unknown.",
            hint="Replay without --memory, or import logs from a period with another memory setting, or measure "
                 "other sizes (advisor local invoke --memory MB for a handler).",
        )
    import pandas as pd

    from advisor.models import memory_scaling  # scikit-learn is only needed here

    init = trace.init_ms if trace.init_ms is not None else np.full(len(trace), np.nan)
    samples = pd.DataFrame({"memory_mb": sizes, "duration_ms": trace.service_ms, "init_ms": init})
    scaling = memory_scaling(samples, function=trace.name, random_state=seed)
    own = np.where(np.isfinite(sizes), sizes, trace.memory_mb or known[0])
    service = scaling.rescale_durations(trace.service_ms, own, memory_mb)
    moved_init = None if trace.init_ms is None else scaling.rescale_init(trace.init_ms, own, memory_mb)
    return dataclasses.replace(trace, service_ms=service, init_ms=moved_init, memory_mb=memory_mb,
                               request_memory_mb=None)

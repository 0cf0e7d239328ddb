"""Inputs of a replay: a trace file (generic CSV, Azure per-minute counts) or a workspace function.

Every reader returns a :class:`Trace`: sorted arrival times (epoch seconds), service times in
ms, the observed init times of cold starts when known, and the memory size they were measured
at when known.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from advisor.errors import InputError, NotFoundError, UsageError
from advisor.simulate._base import EmpiricalInit, InitSpec

if TYPE_CHECKING:  # pandas is imported where it is needed: it is slow to import
    import pandas as pd

MINUTE_S = 60.0
#: Header columns that identify each format.
GENERIC_COLUMNS = ("timestamp", "duration_ms")
AZURE_2021_COLUMNS = ("app", "func", "end_timestamp", "duration")
#: Percentile columns of an Azure 2019 ``*_run.csv`` (durations) file, as (quantile, column).
AZURE_RUN_PERCENTILES = (
    (0.0, "percentile_Average_0"),
    (0.01, "percentile_Average_1"),
    (0.25, "percentile_Average_25"),
    (0.50, "percentile_Average_50"),
    (0.75, "percentile_Average_75"),
    (0.99, "percentile_Average_99"),
    (1.0, "percentile_Average_100"),
)


@dataclass
class Trace:
    """Requests to replay.

    Attributes:
        name: Where they come from (file, function, hash).
        arrivals_s: Arrival times, epoch seconds, sorted ascending.
        service_ms: Service (handler) time of each request, ms.
        init_ms: Observed init time of each request, NaN where it was not a cold start;
            ``None`` when the source does not say.
        memory_mb: Memory size the service times were measured at, if known.
        log_stream: Execution environment of each request, when the logs say (calibration).
        request_memory_mb: Memory size of each request when they differ (workspace records).
    """

    name: str
    arrivals_s: np.ndarray
    service_ms: np.ndarray
    init_ms: np.ndarray | None = None
    memory_mb: int | None = None
    log_stream: np.ndarray | None = None
    request_memory_mb: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.arrivals_s.shape[0])

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


def read_trace(path: Path, *, function: str | None = None, seed: int = 0) -> Trace:
    """Read a trace file, detecting its format from the header.

    Formats: generic CSV (``timestamp``, ``duration_ms``, optional ``init_ms``), Azure
    Functions 2019 per-minute counts (``minute_1``... or ``1``... columns), Azure Functions
    2021 invocations (``app, func, end_timestamp, duration``).

    Args:
        path: The CSV file.
        function: For multi-function files, the function hash (or a unique prefix); default
            the busiest one.
        seed: Seed for spreading per-minute counts and drawing their durations.

    Raises:
        NotFoundError: The file does not exist.
        InputError: The file cannot be read or lacks the needed columns or values.
    """
    if not path.is_file():
        raise NotFoundError(f"trace file {path} does not exist.")
    with path.open("rb") as handle:
        header = [col.strip().strip('"') for col in handle.readline().decode("utf-8", "replace").split(",")]
    if all(col in header for col in GENERIC_COLUMNS):
        return read_generic_csv(path)
    if all(col in header for col in AZURE_2021_COLUMNS):
        return read_azure_2021(path, function=function)
    if any(col in ("minute_1", "1") for col in header):
        return read_minute_counts(path, function=function, seed=seed)
    raise InputError(
        f"{path}: header {','.join(header[:6])} is not a known trace format.",
        hint="Use a CSV with columns timestamp,duration_ms[,init_ms], or an Azure Functions trace.",
    )


def read_generic_csv(path: Path) -> Trace:
    """Read ``timestamp`` (epoch seconds or ISO 8601), ``duration_ms``, optional ``init_ms``.

    Rows need not be sorted. Timestamps without a zone are UTC.
    """
    try:
        table = pacsv.read_csv(
            path, convert_options=pacsv.ConvertOptions(column_types={"duration_ms": pa.float64(), "init_ms": pa.float64()})
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: cannot read the CSV: {exc}") from None
    arrivals = _epoch_seconds(path, table.column("timestamp"))
    service = _required_float(path, table, "duration_ms")
    init = table.column("init_ms").to_numpy(zero_copy_only=False) if "init_ms" in table.column_names else None
    if init is not None and (init[np.isfinite(init)] < 0).any():
        line = int(np.flatnonzero(init < 0)[0]) + 2
        raise InputError(f"{path}:{line}: init_ms {init[line - 2]!r} is negative.")
    return _sorted(Trace(path.name, arrivals, service, init))


def _epoch_seconds(path: Path, column: pa.ChunkedArray) -> np.ndarray:
    if pa.types.is_timestamp(column.type):
        if column.null_count:
            _fail_null(path, column, "timestamp")
        return _ns_to_s(pc.cast(column, pa.timestamp("ns", column.type.tz)).cast(pa.int64()).to_numpy())
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        if column.null_count:
            _fail_null(path, column, "timestamp")
        return column.to_numpy().astype(np.float64, copy=False)
    # mixed forms (zones on some rows, none on others) that arrow does not infer
    strings = column.to_pandas()
    import pandas as pd

    parsed = pd.to_datetime(strings, utc=True, format="ISO8601", errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        line = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{path}:{line + 2}: timestamp {strings.iloc[line]!r} is neither epoch seconds nor ISO 8601.",
            hint="Write e.g. 1700000000.25 or 2024-01-31T12:00:00.250Z.",
        )
    return _epoch(parsed)


def _epoch(times: pd.Series) -> np.ndarray:
    """Epoch seconds of a datetime series (any unit; naive means UTC)."""
    if times.dt.tz is None:
        times = times.dt.tz_localize("UTC")
    return _ns_to_s(times.dt.as_unit("ns").astype("int64").to_numpy())


def _ns_to_s(ns: np.ndarray) -> np.ndarray:
    # whole seconds and the fraction apart: ns / 1e9 alone rounds 1.25 s to 1.2499998
    return (ns // 1_000_000_000).astype(np.float64) + (ns % 1_000_000_000) / 1e9


def _fail_null(path: Path, column: pa.ChunkedArray, name: str) -> None:
    line = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0]) + 2
    raise InputError(f"{path}:{line}: {name} is empty.", hint="Every row needs a value there.")


def _required_float(path: Path, table: pa.Table, name: str) -> np.ndarray:
    column = table.column(name)
    if column.null_count:
        _fail_null(path, column, name)
    values = column.to_numpy()
    bad = ~(np.isfinite(values) & (values >= 0))
    if bad.any():
        line = int(np.flatnonzero(bad)[0]) + 2
        raise InputError(f"{path}:{line}: {name} {values[line - 2]!r} is not a number >= 0.")
    return values


def _sorted(trace: Trace) -> Trace:
    order = None if (np.diff(trace.arrivals_s) >= 0).all() else np.argsort(trace.arrivals_s, kind="stable")
    if order is None:
        return trace
    pick = (lambda a: None if a is None else a[order])  # noqa: E731
    return Trace(trace.name, trace.arrivals_s[order], trace.service_ms[order], pick(trace.init_ms),
                 trace.memory_mb, pick(trace.log_stream), pick(trace.request_memory_mb))


def read_azure_2021(path: Path, *, function: str | None = None) -> Trace:
    """Azure Functions 2021 invocations: ``end_timestamp`` and ``duration`` in seconds.

    Arrival = end - duration. All functions are taken together unless ``function`` names one.
    """
    table = pacsv.read_csv(path)
    if function is not None:
        table = table.filter(pc.starts_with(table.column("func"), function))
        if table.num_rows == 0:
            raise NotFoundError(f"{path}: no function whose hash starts with {function!r}.")
    end = _required_float(path, table, "end_timestamp")
    duration_s = _required_float(path, table, "duration")
    name = f"{path.name}:{function}" if function else path.name
    return _sorted(Trace(name, end - duration_s, duration_s * 1000.0))


def read_minute_counts(path: Path, *, function: str | None = None, seed: int = 0) -> Trace:
    """Azure Functions 2019 per-minute invocation counts, spread into arrivals.

    Spreading rule: the ``c`` invocations of a minute arrive at ``c`` independent uniform times
    within it, sorted — a Poisson process conditioned on the minute's count — drawn with
    ``seed``. Minute 1 starts at time 0. Service times are drawn (same seed) from the
    function's duration percentiles in the sibling ``*_run.csv`` by linear interpolation of the
    quantile function; without that file, the trace cannot be replayed.
    """
    table = pacsv.read_csv(path)
    minutes = [name for name in table.column_names if name.removeprefix("minute_").isdigit()]
    hashes = table.column("HashFunction").to_pylist()
    counts = np.stack([table.column(m).to_numpy(zero_copy_only=False) for m in minutes], axis=1)
    row = _pick_function(path, hashes, counts, function)
    per_minute = np.nan_to_num(counts[row].astype(np.float64)).astype(np.int64)
    rng = np.random.default_rng(seed)
    starts = np.repeat(np.arange(len(minutes), dtype=np.float64) * MINUTE_S, per_minute)
    arrivals = starts + rng.random(starts.shape[0]) * MINUTE_S
    arrivals.sort()  # each minute's offsets sorted, minutes in order
    service = _azure_durations(path, hashes[row], arrivals.shape[0], rng)
    return Trace(f"{path.name}:{hashes[row][:12]}", arrivals, service)


def _pick_function(path: Path, hashes: list[str], counts: np.ndarray, function: str | None) -> int:
    if function is None:
        return int(np.argmax(np.nansum(counts, axis=1)))
    matches = [i for i, h in enumerate(hashes) if h.startswith(function)]
    if len(matches) != 1:
        what = "no function" if not matches else f"{len(matches)} functions"
        raise NotFoundError(f"{path}: {what} whose hash starts with {function!r}.",
                            hint="Give a longer, unique prefix of HashFunction.")
    return matches[0]


def _azure_durations(path: Path, function_hash: str, n: int, rng: np.random.Generator) -> np.ndarray:
    run = path.with_name(path.name.replace("_inv", "_run"))
    if run == path or not run.is_file():
        raise InputError(f"{path}: no durations file {run.name} beside it.",
                         hint="Keep the *_run.csv of the same trace next to the *_inv.csv.")
    table = pacsv.read_csv(run)
    rows = table.filter(pc.equal(table.column("HashFunction"), function_hash))
    if rows.num_rows == 0:
        raise InputError(f"{run}: no durations for function {function_hash[:12]}.")
    quantiles = np.array([q for q, _ in AZURE_RUN_PERCENTILES])
    values = np.array([float(rows.column(col)[0].as_py()) for _, col in AZURE_RUN_PERCENTILES])
    return np.interp(rng.random(n), quantiles, np.maximum.accumulate(values))


def from_workspace(workspace: Any, function: str, *, since: datetime | None = None,
                   until: datetime | None = None) -> Trace:
    """A workspace function's invocations: arrivals = start times, service = duration,
    init = observed cold starts, memory = the function's (most frequent) memory size.

    Raises:
        NotFoundError: No invocations in the window.
    """
    frame = workspace.invocations(function, since=since, until=until)
    if frame.empty:
        raise NotFoundError(f"function {function!r} has no invocations in the workspace for that window.",
                            hint="Import its logs first (advisor import ...), or widen --since/--until.")
    arrivals = _epoch(frame["start_time"])
    memory = frame["memory_mb"].dropna()
    trace = Trace(
        name=function,
        arrivals_s=arrivals.astype(np.float64),
        service_ms=frame["duration_ms"].to_numpy(dtype=np.float64),
        init_ms=frame["init_ms"].to_numpy(dtype=np.float64, na_value=np.nan),
        memory_mb=int(memory.mode().iloc[0]) if not memory.empty else None,
        log_stream=frame["log_stream"].to_numpy(dtype=object),
        request_memory_mb=frame["memory_mb"].to_numpy(dtype=np.float64, na_value=np.nan),
    )
    return _sorted(trace)


def load_trace(*, function: str | None, trace_path: Path | None, workspace_path: Path | None = None,
               since: datetime | None = None, until: datetime | None = None, seed: int = 0) -> Trace:
    """The trace of ``advisor replay``: ``trace_path`` if given, else workspace ``function``.

    Raises:
        UsageError: neither is given.
    """
    if trace_path is not None:
        return read_trace(trace_path, function=function, seed=seed)
    if not function:
        raise UsageError("nothing to replay.", hint="Give a FUNCTION from the workspace or --trace PATH.")
    from advisor.workspace import Workspace  # the store is only needed for this input

    with Workspace.open(workspace_path) as workspace:
        return from_workspace(workspace, function, since=since, until=until)


#: At most this many records fit the duration model that rescales a trace to another memory.
MAX_FIT_RECORDS = 20_000


def at_memory(trace: Trace, memory_mb: int | None, *, seed: int = 0) -> Trace:
    """The trace with its service times moved to ``memory_mb``.

    A trace that does not say its memory size is taken as measured at ``memory_mb``.

    Each request's duration is rescaled from the memory it ran at by a
    :class:`~advisor.models.DurationModel` fitted on the trace's own records, which needs
    measurements at two memory sizes or more (a workspace function whose memory changed, or
    tuning measurements).

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
    if known.size < 2:
        measured = f"{trace.memory_mb} MB only" if trace.memory_mb else "an unknown memory size"
        raise UsageError(
            f"--memory {memory_mb}: {trace.name} was measured at {measured}, so how its durations change "
            "with memory is unknown.",
            hint="Replay without --memory, or import logs from a period with another memory setting, or measure other sizes (advisor local invoke --memory MB for a handler).",
        )
    import pandas as pd

    from advisor.models import DurationModel  # scikit-learn is only needed here

    rng = np.random.default_rng(seed)
    fit = np.flatnonzero(np.isfinite(sizes))
    if fit.size > MAX_FIT_RECORDS:
        fit = rng.choice(fit, MAX_FIT_RECORDS, replace=False)
    model = DurationModel().fit(pd.DataFrame({"memory_mb": sizes[fit]}), trace.service_ms[fit])
    means = model.predict(pd.DataFrame({"memory_mb": np.append(known, memory_mb)}))
    ratio = means[-1] / means[:-1]
    own = np.where(np.isfinite(sizes), sizes, trace.memory_mb or known[0])
    service = trace.service_ms * ratio[np.searchsorted(known, own)]
    return dataclasses.replace(trace, service_ms=service, memory_mb=memory_mb, request_memory_mb=None)

"""What happened to one function: traffic, cold starts, latency tail, memory, concurrency, cost.

DuckDB selects the window and hands over the numeric columns in one scan (``fetchnumpy``,
no Python objects per row); numpy does the order statistics, the sweep line and the
per-stream gaps on them. ``bench/bench_analyze.py`` measured this against doing the same
in DuckDB SQL (``quantile_cont`` and window functions) on 10 million invocations; see
``docs/workspace.md``. Strings (status, error type, log stream) are grouped in SQL.

Definitions (also in ``docs/analyze.md``):
- the window selects invocations by end time (the REPORT log event time);
- an arrival is the start time (end - duration - init), or the end time when unknown;
- a request is cold when it has an ``init_ms`` (or a SnapStart ``restore_ms``);
  end-to-end latency is init + restore + duration;
- percentiles are linear interpolations (numpy's default, DuckDB ``quantile_cont``);
- concurrency is the number of requests in flight ([start, end) intervals) when a request
  arrives, counting itself; peak and p99 are over arrivals (99% of requests arrived when at
  most that many were in flight: the provisioned concurrency that would have held them);
- an instance is a log stream; its idle gaps are the times between one request's end and
  the next request's start in the same stream.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa

from advisor.errors import NotFoundError
from advisor.pricing import gb_seconds, lambda_month_cost, lambda_records_cost
from advisor.pricing.lambda_ import ONE_MS_BILLING_SINCE
from advisor.record import STATUS_ERROR, STATUS_TIMEOUT
from advisor.workspace import FunctionInfo, Workspace, time_filter

QUANTILES = (0.5, 0.9, 0.95, 0.99)
CONCURRENCY_QUANTILE = 0.99
MEMORY_QUANTILE = 0.99
MONTH_SECONDS = 730 * 3600  # AWS prices a month as 730 hours
MONTH_PRECISION = Decimal("0.000001")  # a projection: micro-dollars, not the engine's exact digits
DEFAULT_REGION = "us-east-1"
DEFAULT_ARCH = "x86_64"
NS_PER_S = 1_000_000_000
HOURS_PER_DAY = 24
SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 86_400
#: Count arrivals per second with a dense histogram unless the span has this many times
#: more seconds than there are arrivals.
SPARSE_FACTOR = 4


@dataclass(frozen=True)
class Percentiles:
    """p50/p90/p95/p99/max of a quantity over ``count`` values (``None`` when count is 0)."""

    count: int
    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Rates:
    """Arrival rates: mean over the span, peak in any one calendar second / minute."""

    mean_per_s: float | None
    mean_per_min: float | None
    peak_per_s: int
    peak_per_min: int


@dataclass(frozen=True)
class MemoryUse:
    """Max memory used at one configured memory size."""

    memory_mb: int | None
    invocations: int
    max_used_p99_mb: float | None
    max_used_max_mb: int | None
    headroom_p99_mb: float | None
    headroom_p99_fraction: float | None


@dataclass(frozen=True)
class Failure:
    """Requests that ended with ``status`` and ``error_type`` (``None`` when not logged)."""

    status: str
    error_type: str | None
    count: int


@dataclass(frozen=True)
class Instances:
    """Execution environments seen (distinct log streams) and how long they sat idle."""

    count: int
    idle_gap_s: Percentiles
    last_use_to_end_s: Percentiles
    lifetime_s: Percentiles


@dataclass(frozen=True)
class Cost:
    """Cost at the current configuration: of the period, and projected to a 730-hour month."""

    region: str
    architecture: str
    basis: str
    period: dict[str, str]
    per_month: dict[str, str] | None


@dataclass(frozen=True)
class Analysis:
    """The analysis of one function over a window. :meth:`to_dict` is its JSON form."""

    function: str
    since: datetime | None
    until: datetime | None
    first_start: datetime
    last_end: datetime
    span_s: float
    invocations: int
    rates: Rates
    cold_starts: int
    cold_fraction: float
    duration_ms: dict[str, Percentiles]
    latency_ms: Percentiles
    init_ms: Percentiles
    memory: list[MemoryUse]
    concurrency_peak: int
    concurrency_p99: float | None
    timeouts: int
    errors: int
    failures: list[Failure]
    instances: Instances
    arrivals_by_hour: list[int]
    cost: Cost | None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ISO 8601 UTC times, exact decimal strings for money."""
        return _jsonable(asdict(self))


def analyze(
    ws: Workspace, function: str, since: datetime | None = None, until: datetime | None = None
) -> Analysis:
    """Analyze the stored invocations of ``function`` with ``since <= end_time < until``.

    Raises:
        NotFoundError: the workspace is empty, the function is unknown, or it has no
            invocations in the window (the message gives the stored range).
    """
    info = _known_function(ws, function)
    query = _Query(ws, function, since, until)
    failures = [Failure(**row) for row in query.all(_FAILURES_SQL)]
    cols = _Columns.fetch(query, info.memory_mb)
    if cols is None:
        raise NotFoundError(
            f"function {function!r} has no invocations between {_when(since)} and {_when(until)}.",
            hint=_stored_range_hint(ws, function),
        )
    first_ns, last_ns = int(cols.arrival.min()), int(cols.end.max())
    span_s = (last_ns - first_ns) / NS_PER_S
    # The big numpy steps release the GIL: run the independent ones on all cores.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        concurrency = pool.submit(_concurrency, cols)
        instances = pool.submit(_instances, cols)
        cost = pool.submit(_cost, cols, info, span_s)
        memory = pool.submit(_memory, cols)
        cold = ~np.isnan(cols.init) | ~np.isnan(cols.restore)
        latency = pool.submit(lambda: _spread(cols.duration + np.nan_to_num(cols.init) + np.nan_to_num(cols.restore)))
        warm = _spread(cols.duration[~cold])
        rates, by_hour = _rates(cols.arrival, span_s)
        peak, p99 = concurrency.result()
    return Analysis(
        function=function,
        since=since,
        until=until,
        first_start=_from_ns(first_ns),
        last_end=_from_ns(last_ns),
        span_s=span_s,
        invocations=cols.n,
        rates=rates,
        cold_starts=int(cold.sum()),
        cold_fraction=float(cold.mean()),
        duration_ms={
            "warm": warm,
            "cold": _spread(cols.duration[cold]),
        },
        latency_ms=latency.result(),
        init_ms=_spread(cols.init[~np.isnan(cols.init)]),
        memory=memory.result(),
        concurrency_peak=peak,
        concurrency_p99=p99,
        timeouts=sum(f.count for f in failures if f.status == STATUS_TIMEOUT),
        errors=sum(f.count for f in failures if f.status == STATUS_ERROR),
        failures=failures,
        instances=instances.result(),
        arrivals_by_hour=by_hour,
        cost=cost.result(),
        notes=_notes(info, cols),
    )


def _notes(info: FunctionInfo, cols: _Columns) -> list[str]:
    notes = []
    if cols.memory_unknown:
        notes.append("cost not computed: some records have no memory size and the function's is unknown")
    if info.region is None:
        notes.append(f"region unknown: priced in {DEFAULT_REGION}")
    if info.architecture is None:
        notes.append(f"architecture unknown: priced as {DEFAULT_ARCH}")
    return notes


# -- SQL ----------------------------------------------------------------------------------------

_CTE = """WITH r AS NOT MATERIALIZED (SELECT * FROM invocations WHERE {where})
"""

_SHAPE_SQL = """SELECT count(*) AS n, count(restore_ms) AS restored, count(billed_duration_ms) AS billed,
    count(memory_mb) AS sized, min(memory_mb) AS min_mb, max(memory_mb) AS max_mb,
    count(log_stream) AS streamed FROM r"""

# Only the columns a window needs; optional ones are fetched when the window has them. A
# projection (no join) keeps the stored order, which is by end time.
_COLUMNS_SQL = """SELECT start_time AS s, end_time AS e, duration_ms AS d, coalesce(init_ms, 'NaN'::DOUBLE) AS i,
       coalesce(max_memory_used_mb, -1) AS mu{extra} FROM r"""
# Log streams become dense integer codes through an ENUM type made for the query and
# rolled back after it: a per-row dictionary lookup that, unlike a join, keeps row order.
_STREAM_ENUM = "_advisor_streams"
_STREAM_LIST_SQL = (
    f"CREATE TEMP TABLE {_STREAM_ENUM} AS SELECT DISTINCT log_stream FROM invocations "
    "WHERE {window} AND log_stream IS NOT NULL"
)
_STREAM_TYPE_SQL = f"CREATE TYPE {_STREAM_ENUM} AS ENUM (SELECT log_stream FROM {_STREAM_ENUM})"
_STREAM_COLUMN = f", coalesce(enum_code(log_stream::{_STREAM_ENUM})::INTEGER, -1) AS code"
_RESTORE_COLUMN = ", coalesce(restore_ms, 'NaN'::DOUBLE) AS rs"
_BILLED_COLUMN = ", coalesce(billed_duration_ms, ceil(duration_ms)::BIGINT) AS b"
_MEMORY_COLUMN = ", coalesce(memory_mb, ?, -1) AS m"

_FAILURES_SQL = """SELECT status, error_type, count(*) AS count FROM r WHERE status <> 'success'
    GROUP BY ALL ORDER BY count DESC, status, error_type NULLS LAST"""


class _Query:
    """Runs the module's SQL over one function's window."""

    def __init__(self, ws: Workspace, function: str, since: datetime | None, until: datetime | None) -> None:
        self.con = ws.connection
        where, self.params = time_filter(function, since, until)
        self.cte = _CTE.format(where=where)
        self.window = where

    def all(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.con.execute(self.cte + sql, self.params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def arrays(self, sql: str, extra: list[Any], *, streams: bool) -> dict[str, np.ndarray]:
        """Columns as numpy arrays; ``streams`` makes the log-stream ENUM type the SQL may use."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            if streams:
                self.con.execute(_STREAM_LIST_SQL.format(window=self.window), self.params)
                self.con.execute(_STREAM_TYPE_SQL)
            table = self.con.sql(self.cte + sql, params=[*self.params, *extra]).to_arrow_table()
            return {name: _to_numpy(column) for name, column in zip(table.column_names, table.columns)}
        finally:
            self.con.execute("ROLLBACK")  # the analysis writes nothing


def _to_numpy(column: pa.ChunkedArray) -> np.ndarray:
    """One copy into a contiguous array: zero-copy views of each chunk, concatenated.

    Measured on 10 million rows this is about twice as cheap as DuckDB's ``fetchnumpy``.
    """
    if column.null_count:
        return column.to_numpy()
    chunks = [chunk.to_numpy(zero_copy_only=True) for chunk in column.chunks]
    return np.concatenate(chunks) if chunks else column.to_numpy()


@dataclass
class _Columns:
    """The numeric columns of one window as numpy arrays (NaN / -1 where null).

    ``memory`` and ``restore`` are scalars when the whole window shares one value, which
    saves fetching (and pricing) a 10-million-row column of identical numbers.
    """

    arrival: np.ndarray
    end: np.ndarray
    has_start: np.ndarray
    duration: np.ndarray
    init: np.ndarray
    restore: np.ndarray | float
    billed: np.ndarray
    estimated: int
    memory: np.ndarray | int
    max_used: np.ndarray
    code: np.ndarray

    @classmethod
    def fetch(cls, query: _Query, memory_mb: int | None) -> _Columns | None:
        shape = query.all(_SHAPE_SQL)[0]
        if shape["n"] == 0:
            return None
        one_size = shape["sized"] == shape["n"] and shape["min_mb"] == shape["max_mb"]
        extra = (_RESTORE_COLUMN if shape["restored"] else "") + _BILLED_COLUMN + ("" if one_size else _MEMORY_COLUMN)
        streams = shape["streamed"] > 0
        extra += _STREAM_COLUMN if streams else ""
        a = query.arrays(_COLUMNS_SQL.format(extra=extra), [] if one_size else [memory_mb], streams=streams)
        start, end = a["s"].view(np.int64), a["e"].view(np.int64)  # datetime64[ns] -> ns, NaT -> min
        has_start = start != np.iinfo(np.int64).min
        return cls(
            arrival=np.where(has_start, start, end),
            end=end,
            has_start=has_start,
            duration=a["d"],
            init=a["i"],
            restore=a["rs"] if shape["restored"] else np.nan,
            billed=a["b"],
            estimated=shape["n"] - shape["billed"],
            memory=int(shape["min_mb"]) if one_size else a["m"],
            max_used=a["mu"],
            code=a["code"] if streams else np.full(shape["n"], -1, dtype=np.int32),
        )

    @property
    def n(self) -> int:
        return int(self.end.size)

    @property
    def memory_unknown(self) -> bool:
        return bool(np.any(np.asarray(self.memory) < 0))


# -- pieces -------------------------------------------------------------------------------------


def _known_function(ws: Workspace, function: str) -> FunctionInfo:
    if not ws.functions():
        raise NotFoundError(
            f"workspace {ws.path} is empty: there is nothing to analyze.",
            hint="Import logs first: advisor import logs PATH... or advisor import cloudwatch FUNCTION.",
        )
    return ws.function(function)


def _stored_range_hint(ws: Workspace, function: str) -> str:
    row = ws.connection.execute(
        "SELECT count(*), min(end_time), max(end_time) FROM invocations WHERE function = ?", [function]
    ).fetchone()
    if not row[0]:
        return "It has no stored invocations: import its logs first."
    return f"Stored: {row[0]:,} invocations ending {_when(_utc(row[1]))} to {_when(_utc(row[2]))}; widen --since/--until."


def _spread(values: np.ndarray, quantiles: tuple[float, ...] = QUANTILES) -> Percentiles:
    """Count, linear-interpolated percentiles (numpy's default, = DuckDB quantile_cont) and max."""
    if values.size == 0:
        return Percentiles(0)
    p50, p90, p95, p99 = (float(v) for v in np.quantile(values, quantiles))
    return Percentiles(int(values.size), p50, p90, p95, p99, float(values.max()))


def _rates(arrival_ns: np.ndarray, span_s: float) -> tuple[Rates, list[int]]:
    """Mean and peak arrival rates, and arrivals by hour of day (UTC), from one histogram.

    Arrivals are counted per calendar second with ``bincount`` (no sort); minutes and hours
    of day are sums of those counts. Over very long, sparse spans the seconds are counted
    from the sorted arrivals instead, so memory follows the records, not the span.
    """
    n = arrival_ns.size
    first_s = int(arrival_ns.min()) // NS_PER_S
    seconds = arrival_ns // NS_PER_S - first_s
    if int(seconds.max()) <= max(SPARSE_FACTOR * n, SECONDS_PER_DAY):
        per_second = np.bincount(seconds)
        busy = np.flatnonzero(per_second)
        counts, moments = per_second[busy], busy + first_s
    else:
        moments, counts = np.unique(seconds + first_s, return_counts=True)
    minutes = moments // SECONDS_PER_MINUTE
    edges = np.flatnonzero(np.diff(minutes)) + 1
    per_minute = np.add.reduceat(counts, np.r_[0, edges])
    hours = np.bincount((moments // SECONDS_PER_HOUR) % HOURS_PER_DAY, weights=counts, minlength=HOURS_PER_DAY)
    mean = n / span_s if span_s > 0 else None
    rates = Rates(mean, mean * SECONDS_PER_MINUTE if mean is not None else None, int(counts.max()), int(per_minute.max()))
    return rates, [int(h) for h in hours]


def _memory(cols: _Columns) -> list[MemoryUse]:
    uses = []
    sizes = [cols.memory] if np.isscalar(cols.memory) else np.flatnonzero(np.bincount(cols.memory + 1)) - 1
    for size in sizes:
        in_size = None if np.isscalar(cols.memory) else cols.memory == size
        used = cols.max_used if in_size is None else cols.max_used[in_size]
        used = used[used >= 0]
        p99 = float(np.quantile(used, MEMORY_QUANTILE)) if used.size else None
        known = int(size) if size >= 0 else None
        headroom = known - p99 if known is not None and p99 is not None else None
        uses.append(
            MemoryUse(
                memory_mb=known,
                invocations=cols.n if in_size is None else int(in_size.sum()),
                max_used_p99_mb=p99,
                max_used_max_mb=int(used.max()) if used.size else None,
                headroom_p99_mb=headroom,
                headroom_p99_fraction=headroom / known if headroom is not None and known else None,
            )
        )
    return sorted(uses, key=lambda use: (use.memory_mb is None, use.memory_mb or 0))


def _concurrency(cols: _Columns) -> tuple[int, float | None]:
    """Peak and p99 of the requests in flight at each arrival (the arrival itself included).

    With sorted starts S and ends E, the i-th arrival (0-based) sees ``i + 1`` requests
    started and ``searchsorted(E, S[i], "right")`` ended; a request ending exactly at an
    arrival has freed its slot. Stored rows come ordered by end time, so sorting the ends
    is near-linear for timsort ("stable"). Records without a start time are left out.
    """
    known = cols.has_start.all()
    starts = np.sort(cols.arrival if known else cols.arrival[cols.has_start], kind="stable")
    ends = cols.end if known else cols.end[cols.has_start]
    if starts.size == 0:
        return 0, None
    ends = ends if np.all(ends[1:] >= ends[:-1]) else np.sort(ends, kind="stable")
    in_flight = np.arange(1, starts.size + 1) - np.searchsorted(ends, starts, side="right")
    return int(in_flight.max()), float(np.quantile(in_flight, CONCURRENCY_QUANTILE))


def _instances(cols: _Columns) -> Instances:
    """Per log stream: idle gaps between consecutive requests, lifetimes, time since last use.

    One instance serves one request at a time, so within a stream the order by end time
    is the order by arrival: a stable sort by stream code of the rows in end-time order
    (a 16-bit radix sort when there are fewer than 65,536 streams) lines each stream's
    requests up in time.
    """
    streams = int(cols.code.max()) + 1
    if streams <= 0:
        return Instances(0, Percentiles(0), Percentiles(0), Percentiles(0))
    end = cols.end
    by_end = None if np.all(end[1:] >= end[:-1]) else np.argsort(end, kind="stable")
    code = cols.code if by_end is None else cols.code[by_end]
    # Unsigned codes put the rows without a stream (-1) last, where they are cut off.
    order = np.argsort(code.astype(np.uint16 if streams < 2**16 else np.uint32), kind="stable")
    per_stream = np.bincount(cols.code[cols.code >= 0], minlength=streams)
    order = order[: per_stream.sum()] if by_end is None else by_end[order[: per_stream.sum()]]
    code = np.repeat(np.arange(streams), per_stream)
    arrival, end = cols.arrival[order], cols.end[order]
    same = code[1:] == code[:-1]
    gaps = (arrival[1:] - end[:-1])[same]
    gaps = np.maximum(gaps, 0, out=gaps) / NS_PER_S
    firsts = np.flatnonzero(np.r_[True, ~same])
    last_end = np.maximum.reduceat(end, firsts)
    lifetime = (last_end - np.minimum.reduceat(arrival, firsts)) / NS_PER_S
    tail = (cols.end.max() - last_end) / NS_PER_S
    return Instances(streams, _spread(gaps), _spread(tail), _spread(lifetime))


def _cost(cols: _Columns, info: FunctionInfo, span_s: float) -> Cost | None:
    if cols.memory_unknown:
        return None
    region = info.region or DEFAULT_REGION
    arch = info.architecture or DEFAULT_ARCH
    # End times only matter for invocations billed in 100 ms steps (before December 2020).
    legacy = int(cols.end.min()) < ONE_MS_BILLING_SINCE.value
    ends = cols.end.astype("datetime64[ns]") if legacy else None
    period = lambda_records_cost(cols.billed, cols.memory, region=region, arch=arch, end_time=ends)
    per_month = None
    if span_s > 0:
        scale = Decimal(MONTH_SECONDS) / Decimal(repr(span_s))
        usage = gb_seconds(cols.billed, cols.memory, end_time=ends)
        month = lambda_month_cost(usage * scale, cols.n * scale, region=region, arch=arch)
        per_month = {key: str(Decimal(value).quantize(MONTH_PRECISION)) for key, value in month.to_json().items()}
    estimated = cols.estimated
    basis = "billed duration as logged"
    if estimated:
        basis += f"; estimated from duration (1 ms steps) for {estimated:,} records without it"
    return Cost(region, arch, basis, period.to_json(), per_month)


# -- JSON ---------------------------------------------------------------------------------------


def _from_ns(ns: int) -> datetime:
    return datetime.fromtimestamp(ns // 1_000_000_000, tz=timezone.utc).replace(microsecond=(ns // 1000) % 1_000_000)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _when(moment: datetime | None) -> str:
    return "(open)" if moment is None else moment.isoformat().replace("+00:00", "Z")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return _when(_utc(value))
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value

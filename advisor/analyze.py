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

import numpy as np

from advisor.errors import NotFoundError
from advisor.pricing import gb_seconds, lambda_month_cost, lambda_records_cost
from advisor.pricing.lambda_ import end_of_legacy_billing
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
NS_PER_HOUR = 3600 * 1_000_000_000


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
    bounded = cols.has_start.all()
    peak, p99 = _concurrency(
        cols.arrival if bounded else cols.arrival[cols.has_start], cols.end if bounded else cols.end[cols.has_start]
    )
    cold = ~np.isnan(cols.init) | ~np.isnan(cols.restore)
    latency = cols.duration + np.nan_to_num(cols.init) + np.nan_to_num(cols.restore)
    return Analysis(
        function=function,
        since=since,
        until=until,
        first_start=_from_ns(first_ns),
        last_end=_from_ns(last_ns),
        span_s=span_s,
        invocations=cols.n,
        rates=_rates(np.sort(cols.arrival, kind="stable"), span_s),  # nearly sorted: timsort is quick
        cold_starts=int(cold.sum()),
        cold_fraction=float(cold.mean()),
        duration_ms={
            "warm": _spread(cols.duration[~cold]),
            "cold": _spread(cols.duration[cold]),
        },
        latency_ms=_spread(latency),
        init_ms=_spread(cols.init[~np.isnan(cols.init)]),
        memory=_memory(cols),
        concurrency_peak=peak,
        concurrency_p99=p99,
        timeouts=sum(f.count for f in failures if f.status == STATUS_TIMEOUT),
        errors=sum(f.count for f in failures if f.status == STATUS_ERROR),
        failures=failures,
        instances=_instances(cols),
        arrivals_by_hour=np.bincount((cols.arrival // NS_PER_HOUR) % HOURS_PER_DAY, minlength=HOURS_PER_DAY).tolist(),
        cost=_cost(cols, info, span_s),
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
    count(memory_mb) AS sized, min(memory_mb) AS min_mb, max(memory_mb) AS max_mb FROM r"""

# Only the columns a window needs; optional ones are fetched when the window has them.
_COLUMNS_SQL = """, codes AS (
    SELECT log_stream, row_number() OVER () - 1 AS code
    FROM (SELECT DISTINCT log_stream FROM r WHERE log_stream IS NOT NULL))
SELECT r.start_time AS s, r.end_time AS e, r.duration_ms AS d, coalesce(r.init_ms, 'NaN'::DOUBLE) AS i,
       coalesce(r.max_memory_used_mb, -1) AS mu, coalesce(codes.code, -1) AS code{extra}
FROM r LEFT JOIN codes USING (log_stream)"""
_RESTORE_COLUMN = ", coalesce(r.restore_ms, 'NaN'::DOUBLE) AS rs"
_BILLED_COLUMN = ", coalesce(r.billed_duration_ms, ceil(r.duration_ms)::BIGINT) AS b"
_MEMORY_COLUMN = ", coalesce(r.memory_mb, ?, -1) AS m"

_FAILURES_SQL = """SELECT status, error_type, count(*) AS count FROM r WHERE status <> 'success'
    GROUP BY ALL ORDER BY count DESC, status, error_type NULLS LAST"""


class _Query:
    """Runs the module's SQL over one function's window."""

    def __init__(self, ws: Workspace, function: str, since: datetime | None, until: datetime | None) -> None:
        self.con = ws.connection
        where, self.params = time_filter(function, since, until)
        self.cte = _CTE.format(where=where)

    def all(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.con.execute(self.cte + sql, self.params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def arrays(self, sql: str, extra: list[Any]) -> dict[str, np.ndarray]:
        found = self.con.execute(self.cte + sql, [*self.params, *extra]).fetchnumpy()
        return {name: np.asarray(values) for name, values in found.items()}


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
        a = query.arrays(_COLUMNS_SQL.format(extra=extra), [] if one_size else [memory_mb])
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
            code=a["code"],
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


def _rates(sorted_arrival_ns: np.ndarray, span_s: float) -> Rates:
    n = sorted_arrival_ns.size
    mean = n / span_s if span_s > 0 else None
    return Rates(
        mean,
        mean * SECONDS_PER_MINUTE if mean is not None else None,
        _busiest(sorted_arrival_ns // NS_PER_S),
        _busiest(sorted_arrival_ns // (NS_PER_S * SECONDS_PER_MINUTE)),
    )


def _busiest(sorted_buckets: np.ndarray) -> int:
    """The longest run of equal values in a sorted array: most arrivals in one bucket."""
    edges = np.flatnonzero(np.diff(sorted_buckets)) + 1
    runs = np.diff(np.concatenate(([0], edges, [sorted_buckets.size])))
    return int(runs.max())


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


def _concurrency(starts: np.ndarray, ends: np.ndarray) -> tuple[int, float | None]:
    """Peak and p99 of the requests in flight at each arrival (the arrival itself included).

    With sorted starts S and ends E, the i-th arrival (0-based) sees ``i + 1`` requests
    started and ``searchsorted(E, S[i], "right")`` ended; a request ending exactly at an
    arrival has freed its slot. Stored rows come ordered by end time, so both sorts are
    near-linear for timsort ("stable").
    """
    if starts.size == 0:
        return 0, None
    starts = np.sort(starts, kind="stable")
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
    order = np.argsort(code.astype(np.uint16 if streams < 2**16 else np.int64), kind="stable")
    if by_end is not None:
        order = by_end[order]
    order = order[cols.code[order] >= 0] if (cols.code < 0).any() else order
    code, arrival, end = cols.code[order], cols.arrival[order], cols.end[order]
    same = code[1:] == code[:-1]
    gaps = np.maximum(arrival[1:][same] - end[:-1][same], 0) / NS_PER_S
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
    legacy = int(cols.end.min()) < int(end_of_legacy_billing().timestamp()) * NS_PER_S
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

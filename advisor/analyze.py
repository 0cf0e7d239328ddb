"""What happened to one function: traffic, cold starts, latency tail, memory, concurrency, cost.

Everything heavy is aggregated inside DuckDB (``quantile_cont``, window functions), so
an analysis of 10 million stored invocations reads no rows into Python except the
per-invocation billing figures the exact cost engine needs.

Definitions (also in ``docs/analyze.md``):
- the window selects invocations by end time (the REPORT log event time);
- an arrival is the start time (end - duration - init), or the end time when unknown;
- a request is cold when it has an ``init_ms`` (or a SnapStart ``restore_ms``);
  end-to-end latency is init + restore + duration;
- percentiles are linear interpolations (numpy's default, DuckDB ``quantile_cont``);
- concurrency is the number of requests whose [start, end) intervals overlap; its p99 is
  time-weighted over the span (the level exceeded 1% of the time);
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
from advisor.workspace import FunctionInfo, Workspace, time_filter

QUANTILES = (0.5, 0.9, 0.95, 0.99)
CONCURRENCY_QUANTILE = 0.99
MEMORY_QUANTILE = 0.99
MONTH_SECONDS = 730 * 3600  # AWS prices a month as 730 hours
MONTH_PRECISION = Decimal("0.000001")  # a projection: micro-dollars, not the engine's exact digits
DEFAULT_REGION = "us-east-1"
DEFAULT_ARCH = "x86_64"
NS_PER_S = 1e9
HOURS_PER_DAY = 24


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
    main = query.one(_MAIN_SQL.format(q=list(QUANTILES)))
    if main["n"] == 0:
        raise NotFoundError(
            f"function {function!r} has no invocations between {_when(since)} and {_when(until)}.",
            hint=_stored_range_hint(ws, function),
        )
    span_s = (main["last_end"] - main["first_start"]).total_seconds()
    peak, time_at_level = _concurrency(query)
    return Analysis(
        function=function,
        since=since,
        until=until,
        first_start=_utc(main["first_start"]),
        last_end=_utc(main["last_end"]),
        span_s=span_s,
        invocations=main["n"],
        rates=_rates(query, main["n"], span_s),
        cold_starts=main["cold_n"],
        cold_fraction=main["cold_n"] / main["n"],
        duration_ms={
            "all": _percentiles(main, "all"),
            "warm": _percentiles(main, "warm"),
            "cold": _percentiles(main, "cold"),
        },
        latency_ms=_percentiles(main, "lat"),
        init_ms=_percentiles(main, "init"),
        memory=[_memory_use(row) for row in query.all(_MEMORY_SQL.format(q=MEMORY_QUANTILE))],
        concurrency_peak=peak,
        concurrency_p99=_weighted_quantile(time_at_level, CONCURRENCY_QUANTILE),
        timeouts=main["timeouts"],
        errors=main["errors"],
        failures=[Failure(**row) for row in query.all(_FAILURES_SQL)],
        instances=_instances(query, main["streams"]),
        arrivals_by_hour=_by_hour(query.all(_HOURS_SQL)),
        cost=_cost(query, info, span_s, complete_memory=main["memory_n"] == main["n"]),
        notes=_notes(info, main),
    )


def _notes(info: FunctionInfo, main: dict[str, Any]) -> list[str]:
    notes = []
    if main["memory_n"] < main["n"] and info.memory_mb is None:
        notes.append("cost not computed: some records have no memory size and the function's is unknown")
    if info.region is None:
        notes.append(f"region unknown: priced in {DEFAULT_REGION}")
    if info.architecture is None:
        notes.append(f"architecture unknown: priced as {DEFAULT_ARCH}")
    return notes


# -- SQL ----------------------------------------------------------------------------------------

_CTE = """WITH r AS (
    SELECT *, coalesce(start_time, end_time) AS arrival,
           (init_ms IS NOT NULL OR restore_ms IS NOT NULL) AS cold,
           duration_ms + coalesce(init_ms, 0) + coalesce(restore_ms, 0) AS latency
    FROM invocations WHERE {where})
"""


def _pcts(prefix: str, expr: str, condition: str = "TRUE") -> str:
    return (
        f"count({expr}) FILTER (WHERE {condition}) AS {prefix}_n, "
        f"quantile_cont({expr}, {{q}}) FILTER (WHERE {condition}) AS {prefix}_q, "
        f"max({expr}) FILTER (WHERE {condition}) AS {prefix}_max"
    )


_MAIN_SQL = f"""SELECT count(*) AS n, min(arrival) AS first_start, max(end_time) AS last_end,
    count(*) FILTER (WHERE cold) AS cold_n,
    {_pcts('all', 'duration_ms')}, {_pcts('warm', 'duration_ms', 'NOT cold')},
    {_pcts('cold', 'duration_ms', 'cold')}, {_pcts('lat', 'latency')}, {_pcts('init', 'init_ms')},
    count(*) FILTER (WHERE status = 'timeout') AS timeouts,
    count(*) FILTER (WHERE status = 'error') AS errors,
    count(DISTINCT log_stream) AS streams, count(memory_mb) AS memory_n
FROM r"""

_RATES_SQL = """, s AS (SELECT date_trunc('second', arrival) AS sec, count(*) AS c FROM r GROUP BY 1)
SELECT (SELECT coalesce(max(c), 0) FROM s) AS peak_s,
       (SELECT coalesce(max(m), 0) FROM (SELECT sum(c) AS m FROM s GROUP BY date_trunc('minute', sec))) AS peak_min"""

_INTERVALS_SQL = """SELECT epoch_ns(start_time) AS s, epoch_ns(end_time) AS e FROM r WHERE start_time IS NOT NULL"""

_MEMORY_SQL = """SELECT memory_mb, count(*) AS n, quantile_cont(max_memory_used_mb, {q}) AS p99,
    max(max_memory_used_mb) AS mx FROM r GROUP BY memory_mb ORDER BY memory_mb NULLS LAST"""

_FAILURES_SQL = """SELECT status, error_type, count(*) AS count FROM r WHERE status <> 'success'
    GROUP BY ALL ORDER BY count DESC, status, error_type NULLS LAST"""

_HOURS_SQL = """SELECT hour(arrival) AS h, count(*) AS c FROM r GROUP BY 1 ORDER BY 1"""

_STREAMS_SQL = """, codes AS (
    SELECT log_stream, row_number() OVER () - 1 AS code
    FROM (SELECT DISTINCT log_stream FROM r WHERE log_stream IS NOT NULL))
SELECT code, epoch_ns(arrival) AS a, epoch_ns(end_time) AS e FROM r JOIN codes USING (log_stream)"""

_BILLING_SQL = """SELECT coalesce(billed_duration_ms, ceil(duration_ms)::BIGINT) AS billed,
    coalesce(memory_mb, ?) AS memory, end_time, billed_duration_ms IS NULL AS estimated FROM r"""


class _Query:
    """Runs the module's SQL over one function's window."""

    def __init__(self, ws: Workspace, function: str, since: datetime | None, until: datetime | None) -> None:
        self.con = ws.connection
        where, self.params = time_filter(function, since, until)
        self.cte = _CTE.format(where=where)

    def all(self, sql: str, extra: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.con.execute(self.cte + sql, [*self.params, *(extra or [])])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def one(self, sql: str) -> dict[str, Any]:
        return self.all(sql)[0]

    def arrays(self, sql: str, extra: list[Any]) -> dict[str, np.ndarray]:
        relation = self.con.sql(self.cte + sql, params=[*self.params, *extra])
        return {name: column.to_numpy() for name, column in zip(relation.columns, relation.to_arrow_table().columns)}


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


def _percentiles(row: dict[str, Any], prefix: str) -> Percentiles:
    count = int(row[f"{prefix}_n"])
    if count == 0:
        return Percentiles(0)
    p50, p90, p95, p99 = (float(v) for v in row[f"{prefix}_q"])
    return Percentiles(count, p50, p90, p95, p99, float(row[f"{prefix}_max"]))


def _rates(query: _Query, n: int, span_s: float) -> Rates:
    row = query.one(_RATES_SQL)
    mean = n / span_s if span_s > 0 else None
    return Rates(mean, mean * 60 if mean is not None else None, int(row["peak_s"]), int(row["peak_min"]))


def _memory_use(row: dict[str, Any]) -> MemoryUse:
    size, p99 = row["memory_mb"], row["p99"]
    headroom = size - p99 if size is not None and p99 is not None else None
    return MemoryUse(
        memory_mb=size,
        invocations=int(row["n"]),
        max_used_p99_mb=None if p99 is None else float(p99),
        max_used_max_mb=row["mx"],
        headroom_p99_mb=headroom,
        headroom_p99_fraction=headroom / size if headroom is not None and size else None,
    )


def _concurrency(query: _Query) -> tuple[int, np.ndarray]:
    """Peak overlap of [start, end) intervals and the nanoseconds spent at each level (sweep line).

    Events are encoded as ``2 t`` (end) and ``2 t + 1`` (start) so that, at equal times, an
    end sorts before a start: a request finishing at t frees its slot for an arrival at t.
    Sorting the two already-sorted halves is a linear merge for numpy's stable sort.
    """
    spans = query.arrays(_INTERVALS_SQL, [])
    if spans["s"].size == 0:
        return 0, np.zeros(1)
    events = np.concatenate([np.sort(spans["e"]) * 2, np.sort(spans["s"]) * 2 + 1])
    events.sort(kind="stable")
    level = np.cumsum((events & 1) * 2 - 1)
    held = np.diff(events >> 1)
    return int(level.max()), np.bincount(np.maximum(level[:-1], 0), weights=held)


def _weighted_quantile(time_at_level: np.ndarray, q: float) -> float | None:
    """The smallest level at which at least ``q`` of the time is spent at or below it."""
    total = time_at_level.sum()
    if total <= 0:
        return None
    return float(np.searchsorted(np.cumsum(time_at_level), q * total))


def _instances(query: _Query, streams: int) -> Instances:
    if streams == 0:
        return Instances(0, Percentiles(0), Percentiles(0), Percentiles(0))
    data = query.arrays(_STREAMS_SQL, [])
    code, arrival, end = data["code"], data["a"], data["e"]
    by_time = np.argsort(arrival, kind="stable")
    codes = code[by_time].astype(np.uint16 if streams < 2**16 else np.int64)  # 16-bit: radix sort
    order = by_time[np.argsort(codes, kind="stable")]
    code, arrival, end = code[order], arrival[order], end[order]
    same = code[1:] == code[:-1]
    gaps = np.maximum(arrival[1:][same] - end[:-1][same], 0) / NS_PER_S
    firsts = np.flatnonzero(np.r_[True, ~same])
    last_end = np.maximum.reduceat(end, firsts)
    lifetime = (last_end - np.minimum.reduceat(arrival, firsts)) / NS_PER_S
    tail = (end.max() - last_end) / NS_PER_S
    return Instances(streams, _spread(gaps), _spread(tail), _spread(lifetime))


def _spread(values: np.ndarray) -> Percentiles:
    if values.size == 0:
        return Percentiles(0)
    p50, p90, p95, p99 = (float(v) for v in np.quantile(values, QUANTILES))
    return Percentiles(int(values.size), p50, p90, p95, p99, float(values.max()))


def _by_hour(rows: list[dict[str, Any]]) -> list[int]:
    counts = [0] * HOURS_PER_DAY
    for row in rows:
        counts[int(row["h"])] = int(row["c"])
    return counts


def _cost(query: _Query, info: FunctionInfo, span_s: float, *, complete_memory: bool) -> Cost | None:
    if not complete_memory and info.memory_mb is None:
        return None
    region = info.region or DEFAULT_REGION
    arch = info.architecture or DEFAULT_ARCH
    billing = query.arrays(_BILLING_SQL, [info.memory_mb])
    memory = billing["memory"].astype(np.int64)
    ends = billing["end_time"]
    period = lambda_records_cost(billing["billed"], memory, region=region, arch=arch, end_time=ends)
    per_month = None
    if span_s > 0:
        scale = Decimal(MONTH_SECONDS) / Decimal(repr(span_s))
        usage = gb_seconds(billing["billed"], memory, end_time=ends)
        month = lambda_month_cost(usage * scale, len(memory) * scale, region=region, arch=arch)
        per_month = {key: str(Decimal(value).quantize(MONTH_PRECISION)) for key, value in month.to_json().items()}
    estimated = int(billing["estimated"].sum())
    basis = "billed duration as logged"
    if estimated:
        basis += f"; estimated from duration (1 ms steps) for {estimated:,} records without it"
    return Cost(region, arch, basis, period.to_json(), per_month)


# -- JSON ---------------------------------------------------------------------------------------


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

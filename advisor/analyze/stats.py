"""The figures of an analysis, computed with numpy on the fetched columns."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from advisor.analyze.columns import Columns
from advisor.analyze.result import Cost, Instances, MemoryUse, Percentiles, Rates
from advisor.platform.aws_lambda import DEFAULT_ARCH, DEFAULT_REGION, HOURS_PER_MONTH
from advisor.pricing import PriceCatalog, gb_seconds, lambda_month_cost, lambda_records_cost
from advisor.units import HOURS_PER_DAY, NS_PER_S, SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_MINUTE
from advisor.workspace import FunctionInfo

QUANTILES = (0.5, 0.9, 0.95, 0.99)
CONCURRENCY_QUANTILE = 0.99
MEMORY_QUANTILE = 0.99
MONTH_SECONDS = HOURS_PER_MONTH * SECONDS_PER_HOUR
MONTH_PRECISION = Decimal("0.000001")  # a projection: micro-dollars, not the engine's exact digits
#: Count arrivals per second with a dense histogram unless the span has this many times
#: more seconds than there are arrivals.
SPARSE_FACTOR = 4


def spread(values: np.ndarray, quantiles: tuple[float, ...] = QUANTILES) -> Percentiles:
    """Count, linear-interpolated percentiles (numpy's default, = DuckDB quantile_cont) and max."""
    if values.size == 0:
        return Percentiles(0)
    p50, p90, p95, p99 = (float(v) for v in np.quantile(values, quantiles))
    return Percentiles(int(values.size), p50, p90, p95, p99, float(values.max()))


def rates(arrival_ns: np.ndarray, span_s: float) -> tuple[Rates, list[int]]:
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
    per_min = mean * SECONDS_PER_MINUTE if mean is not None else None
    rates = Rates(mean, per_min, int(counts.max()), int(per_minute.max()))
    return rates, [int(h) for h in hours]


def memory(cols: Columns) -> list[MemoryUse]:
    uses = []
    one_size = isinstance(cols.memory, int)
    if isinstance(cols.memory, int):
        sizes = [cols.memory]
    else:
        sizes = (np.flatnonzero(np.bincount(cols.memory + 1)) - 1).tolist()
    for size in sizes:
        in_size = None if one_size else np.asarray(cols.memory) == size
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


def concurrency(cols: Columns) -> tuple[int, float | None]:
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


def instances(cols: Columns) -> Instances:
    """Per log stream: idle gaps between consecutive requests, lifetimes, time since last use.

    One instance serves one request at a time, so within a stream the order by end time
    is the order by arrival: a stable sort by stream code of the rows in end-time order
    (a 16-bit radix sort when there are fewer than 65,536 streams) lines each stream's
    requests up in time.
    """
    streams = int(cols.code.max()) + 1
    if streams <= 0:
        return Instances(None, Percentiles(0), Percentiles(0), Percentiles(0))
    end = cols.end
    by_end = None if np.all(end[1:] >= end[:-1]) else np.argsort(end, kind="stable")
    code = cols.code if by_end is None else cols.code[by_end]
    # Unsigned codes put the rows without a stream (-1) last, where they are cut off.
    unsigned = code.astype(np.uint16 if streams < 2**16 else np.uint32)
    order = np.argsort(unsigned, kind="stable")
    per_stream = np.bincount(unsigned)[:streams] if streams < 2**16 else np.bincount(code[code >= 0], minlength=streams)
    order = order[: per_stream.sum()] if by_end is None else by_end[order[: per_stream.sum()]]
    arrival, end = cols.arrival[order], cols.end[order]
    firsts = np.concatenate(([0], np.cumsum(per_stream)[:-1]))
    firsts = firsts[per_stream > 0]
    # Gaps between neighbours, minus the pairs that straddle two streams.
    gaps = np.delete(arrival[1:] - end[:-1], firsts[1:] - 1)
    gaps = np.maximum(gaps, 0, out=gaps) / NS_PER_S
    last_end = np.maximum.reduceat(end, firsts)
    lifetime = (last_end - np.minimum.reduceat(arrival, firsts)) / NS_PER_S
    tail = (cols.end.max() - last_end) / NS_PER_S
    return Instances(streams, spread(gaps), spread(tail), spread(lifetime))


def cost(cols: Columns, info: FunctionInfo, span_s: float, catalog: PriceCatalog) -> Cost | None:
    """What the window's invocations cost, priced by the one cost function of the pricing engine.

    Billed durations are as logged; where a source logged none (a trace), the duration rounded
    as Lambda bills today (:func:`advisor.platform.aws_lambda.billed_ms`), as a replay does.
    """
    if cols.memory_unknown:
        return None
    region = info.region or DEFAULT_REGION
    arch = info.architecture or DEFAULT_ARCH
    period = lambda_records_cost(cols.billed, cols.memory, catalog=catalog, region=region, arch=arch)
    per_month = None
    if span_s > 0:
        scale = Decimal(MONTH_SECONDS) / Decimal(repr(span_s))
        usage = gb_seconds(cols.billed, cols.memory)
        month = lambda_month_cost(usage * scale, cols.n * scale, catalog=catalog, region=region, arch=arch)
        per_month = {key: str(Decimal(value).quantize(MONTH_PRECISION)) for key, value in month.to_json().items()}
    estimated = cols.estimated
    basis = "billed duration as logged"
    if estimated:
        basis += f"; estimated from duration (1 ms steps) for {estimated:,} records without it"
    return Cost(region, arch, basis, period.to_json(), per_month)


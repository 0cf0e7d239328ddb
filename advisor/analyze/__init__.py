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

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import numpy as np

from advisor.analyze import stats
from advisor.analyze.columns import FAILURES_SQL, Columns, Query
from advisor.analyze.result import (
    Analysis,
    Cost,
    Failure,
    Instances,
    MemoryUse,
    Percentiles,
    Rates,
    from_ns,
    utc,
    when,
)
from advisor.errors import NotFoundError
from advisor.platform.aws_lambda import DEFAULT_ARCH, DEFAULT_REGION
from advisor.pricing import PriceCatalog
from advisor.record import STATUS_ERROR, STATUS_TIMEOUT
from advisor.units import NS_PER_S
from advisor.workspace import FunctionInfo, Workspace

__all__ = ["Analysis", "Cost", "Failure", "Instances", "MemoryUse", "Percentiles", "Rates", "analyze"]


#: Why a figure is unknown, by cause.
NO_COLD_STARTS = "the trace has no init times, so which requests were cold starts is unknown"
NO_STREAMS = "the records name no log streams (execution environments)"


def analyze(
    ws: Workspace,
    function: str,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    catalog: PriceCatalog,
) -> Analysis:
    """Analyze the stored invocations of ``function`` with ``since <= end_time < until``.

    ``catalog`` prices the period (the workspace's :class:`~advisor.pricing.PriceCatalog`).

    Raises:
        NotFoundError: the workspace is empty, the function is unknown, or it has no
            invocations in the window (the message gives the stored range).
    """
    info = _known_function(ws, function)
    query = Query(ws, function, since, until)
    failures = [Failure(**row) for row in query.all(FAILURES_SQL)]
    cols = Columns.fetch(query, info.memory_mb)
    if cols is None:
        raise NotFoundError(
            f"function {function!r} has no invocations between {when(since)} and {when(until)}.",
            hint=_stored_range_hint(ws, function),
        )
    first_ns, last_ns = int(cols.arrival.min()), int(cols.end.max())
    span_s = (last_ns - first_ns) / NS_PER_S
    # The big numpy steps release the GIL: run the independent ones on all cores.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        concurrency = pool.submit(stats.concurrency, cols)
        instances = pool.submit(stats.instances, cols)
        cost = pool.submit(stats.cost, cols, info, span_s, catalog)
        memory = pool.submit(stats.memory, cols)
        cold = ~np.isnan(cols.init) | ~np.isnan(cols.restore)
        end_to_end = cols.duration + np.nan_to_num(cols.init) + np.nan_to_num(cols.restore)
        latency = pool.submit(stats.spread, end_to_end)
        warm = stats.spread(cols.duration[~cold])
        rates, by_hour = stats.rates(cols.arrival, span_s)
        peak, p99 = concurrency.result()
    unknown = {}
    if not info.records_cold_starts:
        unknown["cold_starts"] = NO_COLD_STARTS  # and so the cold fraction, init and the warm/cold split
    found = instances.result()
    if found.count is None:
        unknown["instances"] = NO_STREAMS
    knows_cold = info.records_cold_starts
    return Analysis(
        function=function,
        since=since,
        until=until,
        first_start=from_ns(first_ns),
        last_end=from_ns(last_ns),
        span_s=span_s,
        invocations=cols.n,
        rates=rates,
        cold_starts=int(cold.sum()) if knows_cold else None,
        cold_fraction=float(cold.mean()) if knows_cold else None,
        duration_ms={
            "all": stats.spread(cols.duration),
            "warm": warm if knows_cold else None,
            "cold": stats.spread(cols.duration[cold]) if knows_cold else None,
        },
        latency_ms=latency.result(),
        init_ms=stats.spread(cols.init[~np.isnan(cols.init)]) if knows_cold else None,
        memory=memory.result(),
        concurrency_peak=peak,
        concurrency_p99=p99,
        timeouts=sum(f.count for f in failures if f.status == STATUS_TIMEOUT),
        errors=sum(f.count for f in failures if f.status == STATUS_ERROR),
        failures=failures,
        instances=found,
        arrivals_by_hour=by_hour,
        cost=cost.result(),
        notes=_notes(info, cols),
        unknown=unknown,
    )


def _notes(info: FunctionInfo, cols: Columns) -> list[str]:
    notes = []
    if cols.memory_unknown:
        notes.append("cost not computed: some records have no memory size and the function's is unknown")
    if info.region is None:
        notes.append(f"region unknown: priced in {DEFAULT_REGION}")
    if info.architecture is None:
        notes.append(f"architecture unknown: priced as {DEFAULT_ARCH}")
    return notes


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
    if row is None or not row[0]:
        return "It has no stored invocations: import its logs first."
    return f"Stored: {row[0]:,} invocations ending {when(utc(row[1]))} to {when(utc(row[2]))}; widen --since/--until."


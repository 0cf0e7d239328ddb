"""The interactive charts of the HTML reports, as plotly figures in plain JSON.

Each function takes a command's JSON document and returns a :class:`~advisor.report.document.Chart`
whose figure plotly.js draws (:mod:`advisor.report.html` inlines plotly.js, so the page needs no
network). Nothing here imports plotly: the figures are data, validated by plotly when the HTML
is written. No meaning rests on colour alone: every series has its own marker symbol and line
dash and a name in the legend, a missed SLA is an open marker and says so in the legend and the
hover text, and crossovers and limits are named lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from advisor.report.document import Chart, count, factor, ms, usd
from advisor.sla import Sla

#: Marker symbols and dashes cycled through the series (plotly's names).
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "triangle-down", "cross", "x", "star", "hexagon",
           "pentagon", "triangle-left", "triangle-right", "hourglass", "bowtie", "star-triangle-up", "octagon")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
#: Open markers (``circle-open``) mark the points that miss the SLA.
OPEN = "-open"
HEIGHT_PX = 600


def _layout(title: str, x_title: str, y_title: str, *, log_x: bool, log_y: bool) -> dict[str, Any]:
    dollars = {"tickprefix": "$"} if "USD" in y_title else {}
    return {
        "title": {"text": title},
        "height": HEIGHT_PX,
        "xaxis": {"title": {"text": x_title}, "type": "log" if log_x else "linear"},
        "yaxis": {"title": {"text": y_title}, "type": "log" if log_y else "linear", **dollars},
        "legend": {"orientation": "h", "y": -0.25},
        "hovermode": "closest",
        "margin": {"t": 50, "r": 20},
    }


def _series_style(index: int) -> tuple[str, str]:
    return SYMBOLS[index % len(SYMBOLS)], DASHES[(index // len(SYMBOLS) + index) % len(DASHES)]


def _platform_points(doc: Mapping[str, Any], index: int, value: str) -> list[tuple[Mapping[str, Any], Any, float]]:
    """``(volume, row, y)`` of one platform where ``value`` is known."""
    points = []
    for volume in doc["volumes"]:
        row = volume["platforms"][index]
        y = row["monthly_usd"] if value == "monthly_usd" else row["latency_ms"].get(value)
        if row["unavailable"] is None and y is not None:
            points.append((volume, row, float(Decimal(y)) if isinstance(y, str) else float(y)))
    return points


def _platform_traces(doc: Mapping[str, Any], value: str) -> list[dict[str, Any]]:
    traces = []
    names = [p["platform"] for p in doc["volumes"][0]["platforms"]] if doc["volumes"] else []
    for index, name in enumerate(names):
        points = _platform_points(doc, index, value)
        if not points:
            continue
        symbol, dash = _series_style(index)
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": name,
            "x": [volume["requests_per_month"] for volume, _, _ in points],
            "y": [y for _, _, y in points],
            "marker": {"symbol": [symbol if row["meets_sla"] else symbol + OPEN for _, row, _ in points], "size": 9},
            "line": {"dash": dash},
            "text": [f"{factor(volume['factor'])}: {usd(row['monthly_usd'])}, "
                     f"p95 {ms(row['latency_ms'].get('p95'))} ms, {'meets' if row['meets_sla'] else 'misses'} the SLA"
                     for volume, row, _ in points],
            "hovertemplate": "%{text}<extra>" + name + "</extra>",
        })
    return traces


def _vertical(x: float, y_low: float, y_high: float, name: str, dash: str) -> dict[str, Any]:
    return {"type": "scatter", "mode": "lines", "name": name, "x": [x, x], "y": [y_low, y_high],
            "line": {"dash": dash, "width": 2, "color": "black"}, "hoverinfo": "name"}


def cost_by_volume(doc: Mapping[str, Any]) -> Chart:
    """Monthly cost against requests per month, log-log, one series per platform, crossovers as named lines."""
    traces = _platform_traces(doc, "monthly_usd")
    ys = [y for trace in traces for y in trace["y"]]
    by_factor = {v["factor"]: v["requests_per_month"] for v in doc["volumes"]}
    for crossover in doc["crossovers"] if ys else []:
        low, high = (by_factor[f] for f in crossover["between_factors"])
        if crossover["requests_per_month"] is not None:
            at, dash = crossover["requests_per_month"], "solid"
            name = f"crossover at {count(at)}/month: {crossover['above']} becomes cheaper than {crossover['below']}"
        else:
            at, dash = (low * high) ** 0.5, "dot"
            name = (f"SLA decides between {count(low)} and {count(high)}/month: "
                    f"{crossover['below']} to {crossover['above']}")
        traces.append(_vertical(at, min(ys), max(ys), name, dash))
    layout = _layout("Monthly cost against volume (log-log); open markers miss the SLA", "requests per month",
                     "monthly cost (USD)", log_x=True, log_y=True)
    return Chart("chart-cost-volume", {"data": traces, "layout": layout},
                 "Monthly cost of each platform against requests per month, both axes logarithmic; each "
                 "crossover (where the cheapest platform that meets the SLA changes) is a vertical line.")


def p95_by_volume(doc: Mapping[str, Any]) -> Chart:
    """p95 latency against requests per month, log-log, with the SLA's p95 limit when it has one."""
    traces = _platform_traces(doc, "p95")
    xs = [x for trace in traces for x in trace["x"]]
    limit = _limit_ms(doc["sla"], 95.0)
    if limit is not None and xs:
        traces.append({"type": "scatter", "mode": "lines", "name": f"SLA p95 limit {ms(limit)} ms",
                       "x": [min(xs), max(xs)], "y": [limit, limit],
                       "line": {"dash": "dash", "width": 2, "color": "black"}, "hoverinfo": "name"})
    layout = _layout("p95 latency against volume (log-log); open markers miss the SLA", "requests per month",
                     "p95 end to end (ms)", log_x=True, log_y=True)
    return Chart("chart-p95-volume", {"data": traces, "layout": layout},
                 "End-to-end p95 latency of each platform against requests per month, both axes logarithmic.")


def _limit_ms(sla: str, percentile: float) -> float | None:
    """The SLA's limit at ``percentile`` (None: it has no such objective)."""
    return next((o.limit_ms for o in Sla.parse(sla).objectives if o.percentile == percentile), None)


def cost_vs_p95(doc: Mapping[str, Any]) -> Chart:
    """The recommendation's candidates: monthly cost against p95, the Pareto frontier, today and the pick."""
    candidates = doc["candidates"]
    known = [(i, c) for i, c in enumerate(candidates) if c["latency_ms"].get("p95") is not None]
    traces = [_candidates_trace([c for _, c in known if c["meets_sla"]], "candidates that meet the SLA", "circle"),
              _candidates_trace([c for _, c in known if not c["meets_sla"]], "candidates that miss the SLA (open)",
                                "circle" + OPEN)]
    frontier = [candidates[i] for i in doc["pareto"] if candidates[i]["latency_ms"].get("p95") is not None]
    traces.append(_candidates_trace(frontier, "Pareto frontier (cost against p95)", "square", mode="lines"))
    for key, name, symbol in (("current", "today", "diamond"), ("recommended", "recommended", "star")):
        if doc[key] is not None and doc[key]["latency_ms"].get("p95") is not None:
            traces.append(_candidates_trace([doc[key]], name, symbol, size=16))
    limit = _limit_ms(doc["sla"], 95.0)
    costs = [c["monthly_cost_usd"] for _, c in known]
    if limit is not None and costs:
        traces.append(_vertical(limit, min(costs), max(costs), f"SLA p95 limit {ms(limit)} ms", "dash"))
    traces = [t for t in traces if t["x"]]
    layout = _layout("Candidates: monthly cost against p95, log-log (Pareto frontier: none cheaper and faster)",
                     "p95 end to end (ms)", "monthly cost (USD)", log_x=True, log_y=True)
    return Chart("chart-cost-p95", {"data": traces, "layout": layout},
                 "Each candidate (memory x architecture x keep-warm) by its p95 latency and monthly cost; the "
                 "line joins the Pareto frontier, the star is the recommendation and the diamond today's setting.")


def candidate_label(candidate: Mapping[str, Any]) -> str:
    """``1,024 MB arm64, none (...)``: the candidate in words."""
    return f"{candidate['memory_mb']:,} MB {candidate['architecture']}, {candidate['keep_warm']['description']}"


def _candidates_trace(candidates: Sequence[Mapping[str, Any]], name: str, symbol: str, *, mode: str = "markers",
                      size: int = 9) -> dict[str, Any]:
    return {
        "type": "scatter", "mode": mode, "name": name,
        "x": [c["latency_ms"]["p95"] for c in candidates], "y": [c["monthly_cost_usd"] for c in candidates],
        "marker": {"symbol": symbol, "size": size}, "line": {"dash": "dash"},
        "text": [f"{candidate_label(c)}: {usd(c['monthly_cost_usd'])}, p95 {ms(c['latency_ms']['p95'])} ms, "
                 f"{'meets' if c['meets_sla'] else 'misses'} the SLA" for c in candidates],
        "hovertemplate": "%{text}<extra></extra>",
    }


def schedule_by_hour(schedule: Mapping[str, Any]) -> Chart:
    """Provisioned concurrency by UTC hour of day, as bars labelled with their count."""
    hours = list(range(len(schedule["hours_utc"])))
    trace = {"type": "bar", "name": "provisioned instances", "x": hours, "y": list(schedule["hours_utc"]),
             "text": [str(n) for n in schedule["hours_utc"]], "textposition": "outside",
             "marker": {"pattern": {"shape": "/"}}, "hovertemplate": "%{x}:00 UTC: %{y} instances<extra></extra>"}
    layout = _layout("Provisioned concurrency by hour of day (UTC)", "hour of day (UTC)", "provisioned instances",
                     log_x=False, log_y=False)
    layout["xaxis"] |= {"tickmode": "linear", "dtick": 1}
    layout["yaxis"] |= {"dtick": 1, "rangemode": "tozero"}
    return Chart("chart-schedule", {"data": [trace], "layout": layout},
                 "Provisioned instances in each hour of the day (UTC), each bar labelled with its count.")


def latency_cdfs(doc: Mapping[str, Any]) -> Chart | None:
    """Latency CDFs of today's setting and the recommendation, where the document holds them.

    A CDF needs the distribution, not three percentiles: each candidate's ``latency_cdf_ms``
    (``{"quantiles": [...], "ms": [...]}``, the same length). None when neither has one.
    """
    traces = []
    for index, (key, name) in enumerate((("current", "today"), ("recommended", "recommended"))):
        cdf = (doc[key] or {}).get("latency_cdf_ms")
        if not cdf:
            continue
        dash = DASHES[index]
        traces.append({"type": "scatter", "mode": "lines+markers", "name": f"{name}: {candidate_label(doc[key])}",
                       "x": list(cdf["ms"]), "y": list(cdf["quantiles"]), "line": {"dash": dash, "shape": "hv"},
                       "marker": {"size": 5, "symbol": SYMBOLS[index]},
                       "hovertemplate": "%{x} ms: %{y:.1%} of requests<extra></extra>"})
    if not traces:
        return None
    layout = _layout("Latency CDF (end to end)", "latency (ms, log scale)", "share of requests at most",
                     log_x=True, log_y=False)
    return Chart("chart-latency-cdf", {"data": traces, "layout": layout},
                 "The share of requests answered within each latency, today and at the recommendation.")

"""Render ``advisor tune``: the dry-run plan, and the recommendation with its evidence.

Both render the JSON objects the command prints with ``--json`` (``TunePlan.to_dict()`` and
``TuneResult.to_dict()``), so the screen and the JSON never disagree. A figure the tuning could
not know is null there and ``n/a`` here, with the reason.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from advisor.report.chart import BAND, CURVE, LIMIT, MEASURED, PICK, chart, renderable
from advisor.sla import Sla
from advisor.tune.scoring import COVERAGE
from advisor.tune.stopping import BUDGET_INVOCATIONS, BUDGET_USD, INTERRUPTED, SETTLED, TIMEOUT
from advisor.units import REQUESTS_PER_MILLION, format_duration

#: ``stopped_because`` in words.
STOPPED: Final = {
    SETTLED: "settled: the pick meets the SLA and no other size is likely to be materially cheaper",
    BUDGET_INVOCATIONS: "the invocation budget was spent (--budget-invocations)",
    BUDGET_USD: "the USD budget was spent (--budget-usd)",
    TIMEOUT: "the time budget ran out (--timeout)",
    INTERRUPTED: "interrupted (Ctrl-C): the answer so far",
}
NO_TRAFFIC: Final = "no traffic known"
CHART_WIDTH: Final = 60
CHART_HEIGHT: Final = 10
#: The chart's percentile (the issue's "p95 against memory").
CHART_PERCENTILE: Final = 95.0


def render_plan(plan: dict[str, Any], traffic: str) -> RenderableType:
    """The dry-run plan: the sizes measured first, the budgets and the estimated tuning cost."""
    budget = plan["budget"]
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    sizes = ", ".join(f"{s['memory_mb']:,} MB {s['architecture']}" for s in plan["first_sizes"])
    table.add_row("first sizes", f"{sizes} ({plan['invocations_per_trial']} invocations each)")
    table.add_row("invocation budget", f"{budget['invocations']:,}")
    table.add_row("USD budget", "n/a: none given (--budget-usd)" if budget["usd"] is None else f"${budget['usd']:,.4f}")
    table.add_row("time budget", "n/a: none given (--timeout)" if budget["timeout_s"] is None
                  else format_duration(budget["timeout_s"]))
    table.add_row("estimated cost", f"up to ${plan['estimated_cost_usd']:.6f}, from {plan['duration_basis']}")
    table.add_row("traffic", traffic)
    table.add_row("study", f"{plan['study']} in {plan['storage']}")
    return Group(Text(f"Plan for tuning {plan['function']} (nothing is invoked or changed)", style="bold"), table)


def render_result(doc: dict[str, Any]) -> RenderableType:
    """The recommendation: configuration, predicted latency, monthly cost against today, the
    tuning's own spend, and charts of cost and p95 against memory."""
    parts: list[RenderableType] = [
        Text(f"Tuning of {doc['function']}: SLA {doc['sla']} ({doc['sla_basis']})", style="bold"),
        _recommendation(doc), _latency(doc), _cost(doc), _tuning(doc),
    ]
    parts += [renderable(text) for text in _charts(doc)]
    parts += [Text(f"note: {note}.") for note in doc.get("notes") or []]
    return Group(*parts)


def _recommendation(doc: dict[str, Any]) -> Table:
    table = _pairs("Recommendation")
    rec = doc.get("recommendation")
    if rec is None:
        table.add_row("configuration", "n/a: no model could be fitted (see the notes)")
        return table
    table.add_row("memory", f"{rec['memory_mb']:,} MB")
    table.add_row("architecture", str(rec["architecture"]))
    table.add_row("keep-warm", _keep_warm(rec.get("keep_warm")))
    chance = rec.get("p_sla_met")
    odds = "" if chance is None else f", chance the SLA holds {chance:.0%}"
    verdict = "yes" if rec.get("feasible") else "NO: no size meets it; this one is the nearest"
    table.add_row("meets the SLA", f"{verdict}{odds}")
    return table


def _latency(doc: dict[str, Any]) -> Table:
    predicted = doc.get("predicted") or {}
    table = _pairs(f"Predicted at the pick ({COVERAGE:.0%} intervals)")
    latency = predicted.get("latency_ms")
    if latency is None:
        table.add_row("latency", "n/a: no model could be fitted")
    else:
        for name, triple in latency.items():
            table.add_row(f"{name} latency", "n/a: not predicted" if triple is None else _interval(triple))
    cold = predicted.get("cold_start_fraction")
    table.add_row("cold starts", f"n/a: {_reason(doc, 'cold-start fraction')}" if cold is None
                  else f"{cold:.2%} of requests")
    return table


def _cost(doc: dict[str, Any]) -> Table:
    table = _pairs("Cost")
    total, breakdown = _monthly(doc.get("monthly_cost_usd"))
    table.add_row("monthly at the pick", _usd(total, _reason(doc, "monthly cost")) + _breakdown(breakdown))
    current = doc.get("current")
    if current is None:
        table.add_row("today", "n/a: today's configuration is unknown (nothing imported, or the target "
                      "does not say)")
    else:
        today, today_breakdown = _monthly(current.get("monthly_cost_usd"))
        where = f"{current['memory_mb']:,} MB {current.get('architecture') or ''}".rstrip()
        table.add_row(f"today ({where})", _usd(today, _reason(doc, "monthly cost")) + _breakdown(today_breakdown))
    saving = doc.get("saving_usd")
    if saving is None:
        table.add_row("saving per month", _usd(saving, "needs both monthly costs"))
    elif saving < 0:
        table.add_row("saving per month", f"none: the pick costs {_money(-saving)} more than today")
    else:
        table.add_row("saving per month", _money(saving))
    per_million = _usd(doc.get("cost_per_million_usd"), "no model could be fitted")
    today_per_million = (current or {}).get("cost_per_million_usd")
    if today_per_million is not None:
        per_million += f" at the pick, ${today_per_million:,.2f} today"
    table.add_row("per million invocations", per_million)
    return table


def _tuning(doc: dict[str, Any]) -> RenderableType:
    tuning = doc["tuning"]
    trials = tuning["trials"]
    stopped = doc["stopped_because"]
    head = Text(f"Tuning: {tuning['invocations']:,} invocations in {len(trials)} trials cost "
                f"${tuning['cost_usd']:.6f}; stopped because {STOPPED.get(stopped, stopped)}")
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    for name in ("#", "memory MB", "arch", "inv.", "p50 ms", "p95 ms", "cost USD", "state"):
        table.add_column(name, justify="left" if name in ("arch", "state") else "right", no_wrap=True)
    failures = Text()
    for trial in trials:
        errors = trial.get("errors") or []
        table.add_row("-" if trial.get("number") is None else str(trial["number"]), f"{trial['memory_mb']:,}",
                      trial["architecture"], f"{trial['invocations']:,}", _ms(trial.get("p50_ms")),
                      _ms(trial.get("p95_ms")), f"{trial['cost_usd']:.6f}", trial["state"])
        if errors:
            failures.append(f"{trial['state']} at {trial['memory_mb']:,} MB {trial['architecture']}: "
                            f"{'; '.join(errors)}\n")
    failures.rstrip()
    return Group(head, table, failures)


def _charts(doc: dict[str, Any]) -> list[str]:
    """Cost and p95 against memory for the recommended architecture (none without a curve)."""
    rec = doc.get("recommendation")
    if rec is None or not doc.get("curve"):
        return ["charts: n/a (no model could be fitted)"]
    arch, pick = rec["architecture"], float(rec["memory_mb"])
    curve = [c for c in doc["curve"] if c["architecture"] == arch]
    trials = [t for t in doc["tuning"]["trials"] if t["architecture"] == arch and t["state"] == "complete"]
    return [_cost_chart(curve, trials, pick), _latency_chart(doc, curve, trials, pick)]


def _dense(curve: list[dict[str, Any]], key: str) -> list[tuple[float, float]]:
    """``(memory, value)`` at :data:`CHART_WIDTH` sizes evenly spaced in log memory, interpolated
    (in log memory) between the curve's points, so that every column of the chart is drawn."""
    xs, values = _interpolated(curve, key)
    return list(zip(xs, values[0], strict=True))


def _dense_band(curve: list[dict[str, Any]], low: str, high: str) -> list[tuple[float, float, float]]:
    """``(memory, low, high)`` as :func:`_dense` draws a curve."""
    xs, values = _interpolated(curve, low, high)
    return list(zip(xs, values[0], values[1], strict=True))


def _interpolated(curve: list[dict[str, Any]], *keys: str) -> tuple[list[float], list[list[float]]]:
    memory = np.log2([c["memory_mb"] for c in curve])
    xs = np.linspace(memory[0], memory[-1], CHART_WIDTH)
    values = [np.interp(xs, memory, [c[k] for c in curve]).tolist() for k in keys]
    return (2 ** xs).tolist(), values


def _cost_chart(curve: list[dict[str, Any]], trials: list[dict[str, Any]], pick: float) -> str:
    if all(c.get("monthly_cost_usd") is not None for c in curve):
        title = f"Monthly cost (USD) vs memory; {CURVE} model, {PICK} the pick (trials measure no month)"
        return chart(title, _dense(curve, "monthly_cost_usd"), [], fmt=_axis_usd,
                     width=CHART_WIDTH, height=CHART_HEIGHT, pick=pick)
    title = (f"Cost per million invocations (USD) vs memory; {MEASURED} measured (cold starts included), "
             f"{CURVE} model, {PICK} the pick")
    measured = [(t["memory_mb"], t["cost_usd"] / t["invocations"] * REQUESTS_PER_MILLION)
                for t in trials if t["invocations"]]
    return chart(title, _dense(curve, "cost_per_million_usd"), measured,
                 fmt=_axis_usd, width=CHART_WIDTH, height=CHART_HEIGHT, pick=pick)


def _latency_chart(doc: dict[str, Any], curve: list[dict[str, Any]], trials: list[dict[str, Any]],
                   pick: float) -> str:
    with_p95 = [c for c in curve if c.get("p95_ms") is not None]
    limit = next((o.limit_ms for o in Sla.parse(doc["sla"]).objectives if o.percentile == CHART_PERCENTILE), None)
    if not with_p95:
        return "p95 chart: n/a (the tuning predicted no p95)"
    if all(c.get("p95_low_ms") is not None for c in with_p95):
        band = _dense_band(with_p95, "p95_low_ms", "p95_high_ms")
        band_words = f"{BAND} its {COVERAGE:.0%} interval"
    else:  # the curve gives the interval of the mean only
        band = _dense_band(with_p95, "low_ms", "high_ms")
        band_words = f"{BAND} {COVERAGE:.0%} interval of the mean"
    sla_words = f"{LIMIT} the SLA" if limit is not None else "no SLA line (the SLA has no p95)"
    title = (f"p95 duration (ms) vs memory; {MEASURED} measured, {CURVE} model, {band_words}, {sla_words}, "
             f"{PICK} the pick")
    measured = [(t["memory_mb"], t["p95_ms"]) for t in trials if t.get("p95_ms") is not None]
    return chart(title, _dense(with_p95, "p95_ms"), measured, fmt=_axis_ms,
                 width=CHART_WIDTH, height=CHART_HEIGHT, band=band, limit=limit, pick=pick)


def _interval(triple: dict[str, float | None]) -> str:
    """``value ms (low-high)``; a replayed figure has its upper end only (the SLA is checked there)."""
    low, high = triple.get("low"), triple.get("high")
    if low is None and high is None:
        return f"{_ms(triple['value'])} ms (interval n/a)"
    if low is None:
        return f"{_ms(triple['value'])} ms (upper end {_ms(high)})"
    return f"{_ms(triple['value'])} ms ({_ms(low)}-{_ms(high)})"


def _pairs(title: str) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    return table


def _monthly(value: Any) -> tuple[float | None, dict[str, float] | None]:
    """A monthly cost given as a number or as ``{total, breakdown}``."""
    if value is None or isinstance(value, int | float):
        return value, None
    return value.get("total"), value.get("breakdown")


def _breakdown(parts: dict[str, float] | None) -> str:
    if not parts:
        return ""
    return " (" + ", ".join(f"{name} ${amount:,.2f}" for name, amount in parts.items()) + ")"


def _reason(doc: dict[str, Any], what: str) -> str:
    """Why ``what`` is unknown."""
    if doc["sla_basis"].startswith("warm duration"):
        return f"{NO_TRAFFIC} (give --trace or --rate, or import the function's invocations)"
    return f"the tuning gave no {what}"


def _keep_warm(setting: dict[str, Any] | None) -> str:
    if setting is None:
        return "n/a: not decided"
    return str(setting.get("description") or setting.get("kind"))


def _usd(value: float | None, reason: str) -> str:
    return f"n/a: {reason}" if value is None else f"${value:,.2f}"


def _money(value: float) -> str:
    """Dollars to the cent; a non-zero amount under a cent to three significant figures."""
    return f"${value:.3g}" if 0 < abs(value) < 0.01 else f"${value:,.2f}"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def _axis_usd(value: float) -> str:
    return f"${value:#.3g}"


def _axis_ms(value: float) -> str:
    return f"{value:,.0f}"

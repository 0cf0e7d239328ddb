"""Render a break-even: cost and p95 by platform and volume, the crossovers, the assumptions, a chart.

The chart is plain text (one letter per platform, no colour) drawn by uniplot through
``advisor/report/chart.py``, so it reads the same in any terminal and compares exactly in golden
files; both axes are logarithmic. The interactive charts are plotly's, in the HTML report.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from advisor.report.chart import Axis, Series, legend, plot, renderable
from advisor.units import MS_PER_S

if TYPE_CHECKING:
    from advisor.breakeven import Breakeven, PlatformResult
    from advisor.breakeven.study import Crossover

MEETS, MISSES, BEST = "✓", "✗", "*"
CHART_WIDTH, CHART_HEIGHT = 64, 14
CROSSOVER_MARK, SLA_MARK = "|", ":"


def render_breakeven(study: Breakeven) -> RenderableType:
    """The whole report, in reading order."""
    head = Text()
    head.append(study.name, style="bold")
    head.append(f"  {study.requests:,} requests over {_span(study.horizon_s)}, SLA {study.sla}; "
                "each volume is the same arrivals thinned or superposed")
    parts: list[RenderableType] = [head, _cost_table(study), _latency_table(study)]
    missing = _unavailable(study)
    if missing.plain:
        parts.append(missing)
    parts += [_crossover_text(study), renderable(cost_chart(study)), _assumptions(study)]
    return Group(*parts)


def _volume_columns(table: Table, study: Breakeven) -> None:
    table.add_column("platform", min_width=12)  # wraps first: the figures never do
    for factor, rows in study.results.items():
        table.add_column(f"x{factor:g}\n{_count(rows[0].requests_per_month)}", justify="right", no_wrap=True)


def _cost_table(study: Breakeven) -> Table:
    table = Table(title="monthly cost", title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 0, 0, 1), pad_edge=False,
                  caption=f"{MEETS} meets the SLA, {MISSES} misses it, {BEST} cheapest that meets it; columns: "
                  "volume as a factor of the real traffic, and requests/month", caption_justify="left")
    _volume_columns(table, study)
    winners = {factor: study.winner(factor) for factor in study.results}
    for index, name in enumerate(_platforms(study)):
        cells = []
        for factor, rows in study.results.items():
            row = rows[index]
            best = winners[factor] is row
            cells.append(_cost_cell(row) + (BEST if best else " "))
        table.add_row(name, *cells)
    return table


def _cost_cell(row: PlatformResult) -> str:
    if row.monthly_usd is None:
        return "n/a"
    return f"{usd_short(row.monthly_usd)}{MEETS if row.meets_sla else MISSES}"


def _latency_table(study: Breakeven) -> Table:
    table = Table(title="p95 latency (end to end; p50/p99 in --json)", title_justify="left", box=box.SIMPLE_HEAD,
                  padding=(0, 0, 0, 1), pad_edge=False)
    _volume_columns(table, study)
    for index, name in enumerate(_platforms(study)):
        table.add_row(name, *(_latency(rows[index].latency_ms["p95"]) if rows[index].unavailable is None else "n/a"
                              for rows in study.results.values()))
    return table


def _unavailable(study: Breakeven) -> Text:
    text = Text()
    reasons: dict[str, str] = {}
    for rows in study.results.values():
        for row in rows:
            if row.unavailable is not None:
                reasons.setdefault(row.platform, row.unavailable)
    for name, reason in reasons.items():
        text.append(f"{name}: {reason}\n")
    text.rstrip()
    return text


def _crossover_text(study: Breakeven) -> Text:
    text = Text()
    text.append("crossovers", style="bold")
    if not study.crossovers:
        best = study.winner(next(iter(study.results)))
        name = "no platform meets the SLA" if best is None else f"{best.platform} is the cheapest that meets the SLA"
        text.append(f": none; {name} at every volume")
        return text
    for crossover in study.crossovers:
        text.append(f"\n  {_crossover_line(study, crossover)}")
    return text


def _crossover_line(study: Breakeven, crossover: Crossover) -> str:
    low = study.results[crossover.low_factor][0].requests_per_month
    high = study.results[crossover.high_factor][0].requests_per_month
    return crossover_sentence(crossover.to_dict(), low, high, _count)


def crossover_sentence(crossover: Mapping[str, Any], low_requests: float, high_requests: float,
                       count: Callable[[float], str]) -> str:
    """One crossover in words, from its JSON form (``Crossover.to_dict()``).

    Args:
        crossover: ``below``, ``above``, ``between_factors``, ``requests_per_month`` (null: the SLA decided).
        low_requests: Requests per month at the lower of the two volumes.
        high_requests: The same at the higher one.
        count: Formats a number of requests.
    """
    low_factor, high_factor = crossover["between_factors"]
    below = crossover["below"] or "no platform"
    above = crossover["above"] or "no platform"
    if crossover["requests_per_month"] is not None:
        return (f"{count(crossover['requests_per_month'])} requests/month: {above} becomes cheaper than {below} "
                f"(between x{low_factor:g} and x{high_factor:g})")
    return (f"between {count(low_requests)} and {count(high_requests)} requests/month (x{low_factor:g}-"
            f"x{high_factor:g}): the SLA moves the choice from {below} to {above}")


def _assumptions(study: Breakeven) -> Table:
    table = Table(title="assumptions (each one settable; see advisor breakeven --help)", title_justify="left",
                  box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, show_header=False)
    table.add_column(no_wrap=True, style="bold")
    table.add_column()
    for name, values in study.assumptions.items():
        table.add_row(name, settings_text(values))
    return table


def cost_chart(study: Breakeven) -> str:
    """Monthly cost against volume, log-log, one letter per platform; crossovers as columns of
    ``|`` (equal-cost volume) or ``:`` (the SLA decided, between two volumes)."""
    series = {}
    for index, name in enumerate(_platforms(study)):
        points = [(row.requests_per_month, float(row.monthly_usd))
                  for row in (rows[index] for rows in study.results.values()) if row.monthly_usd]
        if points:
            series[name] = points
    if not series:
        return "monthly cost against volume: no platform could be priced"
    xs = [x for points in series.values() for x, _ in points]
    ys = [y for points in series.values() for _, y in points]
    x_axis = Axis.over(xs, log=True, fmt=_count)
    y_axis = Axis.over(ys, log=True, fmt=lambda usd: usd_short(Decimal(repr(usd))))
    crossings: dict[str, tuple[list[float], list[float]]] = {CROSSOVER_MARK: ([], []), SLA_MARK: ([], [])}
    for crossover in study.crossovers:
        at, mark = _crossover_at(study, crossover)
        rows = y_axis.spread(CHART_HEIGHT)
        crossings[mark][0].extend([at] * len(rows))
        crossings[mark][1].extend(rows)
    letters = dict(zip(series, string.ascii_lowercase, strict=False))
    drawn = [Series(mark, *points) for mark, points in crossings.items()]
    drawn += [Series(letters[name], [x for x, _ in points], [y for _, y in points]) for name, points in series.items()]
    lines = ["monthly cost against volume (log-log)"]
    lines += plot(drawn, x_axis, y_axis, width=CHART_WIDTH, height=CHART_HEIGHT, x_note=" requests/month")
    entries = [f"{letter} {name}" for name, letter in letters.items()]
    lines += legend([*entries, f"{CROSSOVER_MARK} crossover", f"{SLA_MARK} SLA decides"], CHART_WIDTH)
    return "\n".join(lines)


def _crossover_at(study: Breakeven, crossover: Crossover) -> tuple[float, str]:
    if crossover.requests_per_month is not None:
        return crossover.requests_per_month, CROSSOVER_MARK
    low = study.results[crossover.low_factor][0].requests_per_month
    high = study.results[crossover.high_factor][0].requests_per_month
    return math.sqrt(low * high), SLA_MARK


def _platforms(study: Breakeven) -> list[str]:
    return [row.platform for row in next(iter(study.results.values()))]


def usd_short(amount: Decimal) -> str:
    """Dollars in a few characters: ``$0.42``, ``$384``, ``$1.2k``, ``$43.6k``, ``$1.1M``."""
    value = float(amount)
    if value < 10:
        return f"${value:.2f}"
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"${value / limit:.1f}{suffix}"
    return f"${value:.0f}"


def _count(value: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def _latency(ms: float | None) -> str:
    if ms is None:
        return "inf"
    return f"{ms:.0f}ms" if ms < MS_PER_S else f"{ms / MS_PER_S:.3g}s"


def _span(seconds: float) -> str:
    from advisor.units import format_duration

    return format_duration(round(seconds))


def settings_text(values: Mapping[str, Any]) -> str:
    """A platform's assumptions in one line: ``key value, ...`` (booleans as yes/no, None as n/a)."""
    return ", ".join(f"{key} {_value(value)}" for key, value in values.items())


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "n/a" if value is None else str(value)

"""Render an :class:`~advisor.analyze.Analysis` as one screen of rich output."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from advisor.analyze import Analysis, MemoryUse, Percentiles
from advisor.report.document import usd as _usd
from advisor.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_MINUTE

BAR_HEIGHT = 5
BAR_BLOCKS = " ▁▂▃▄▅▆▇█"
PCT_COLUMNS = ("p50", "p90", "p95", "p99", "max")
ERROR_TYPES_SHOWN = 3


def render_analysis(analysis: Analysis) -> RenderableType:
    """The whole report, stacked: header, traffic, latency, hour-of-day chart, instances and cost."""
    parts: list[RenderableType] = [
        _header(analysis),
        _traffic(analysis),
        _latency(analysis),
        _hours(analysis),
        _instances_and_cost(analysis),
    ]
    if analysis.notes:
        parts.append(Text("\n".join(f"note: {note}" for note in analysis.notes), style="dim"))
    return Group(*parts)


def _header(a: Analysis) -> Text:
    text = Text()
    text.append(a.function, style="bold")
    text.append(f"  {a.invocations:,} invocations  ({_duration(a.span_s)})\n")
    text.append(f"{_time(a.first_start)} → {_time(a.last_end)} UTC", style="dim")
    return text


def _traffic(a: Analysis) -> Panel:
    r = a.rates
    cells = [
        ("mean rate", _rate(r.mean_per_s, r.mean_per_min)),
        ("peak rate", f"{r.peak_per_s:,}/s  {r.peak_per_min:,}/min"),
        ("cold starts", _unknown(a, "cold_starts") if a.cold_starts is None or a.cold_fraction is None
         else f"{a.cold_starts:,} ({a.cold_fraction:.2%})"),
        ("concurrency", f"peak {a.concurrency_peak:,}  p99 {_num(a.concurrency_p99)}"),
        ("timeouts", f"{a.timeouts:,}"),
        ("errors", f"{a.errors:,}" + _error_types(a)),
    ]
    several = len(a.memory) > 1
    cells += [(f"memory {_mb(use.memory_mb)}", _headroom(use, several)) for use in a.memory]
    return Panel(_pairs(cells), title="traffic", title_align="left")


def _error_types(a: Analysis) -> str:
    named = [f"{f.error_type} {f.count:,}" for f in a.failures if f.status == "error" and f.error_type]
    return f" ({', '.join(named[:ERROR_TYPES_SHOWN])})" if named else ""


def _latency(a: Analysis) -> Panel:
    table = Table(box=None, padding=(0, 1), expand=True, show_edge=False)
    table.add_column("ms", style="bold", no_wrap=True)
    table.add_column("requests", justify="right")
    for name in PCT_COLUMNS:
        table.add_column(name, justify="right")
    rows = [
        ("warm duration", a.duration_ms["warm"]),
        ("cold duration", a.duration_ms["cold"]),
        ("init", a.init_ms),
        ("end-to-end", a.latency_ms),
    ]
    if a.cold_starts is None:
        rows = [("duration", a.duration_ms["all"]), ("end-to-end", a.latency_ms)]
    for label, pct in rows:
        if pct is not None:
            table.add_row(label, f"{pct.count:,}", *_pct_cells(pct))
    group: list[RenderableType] = [table]
    if a.cold_starts is None:
        group.append(Text(f"cold duration and init: {_unknown(a, 'cold_starts')}", style="dim"))
    return Panel(Group(*group), title="latency (end-to-end = init + duration)", title_align="left")


def _unknown(a: Analysis, name: str) -> str:
    """``n/a`` and why, for a figure the records do not hold."""
    return f"n/a: {a.unknown.get(name, 'not in the records')}"


def _pct_cells(pct: Percentiles) -> list[str]:
    return [_num(getattr(pct, name)) for name in PCT_COLUMNS]


def _hours(a: Analysis) -> Panel:
    counts = a.arrivals_by_hour
    peak = max(counts) or 1
    levels = [round(count / peak * BAR_HEIGHT * (len(BAR_BLOCKS) - 1)) for count in counts]
    lines = []
    for row in range(BAR_HEIGHT, 0, -1):
        base = (row - 1) * (len(BAR_BLOCKS) - 1)
        cells = [BAR_BLOCKS[min(max(level - base, 0), len(BAR_BLOCKS) - 1)] * 2 for level in levels]
        lines.append(" ".join(cells))
    lines.append(" ".join(f"{hour:02d}" for hour in range(len(counts))))
    caption = f"arrivals by hour of day (UTC), busiest hour {counts.index(max(counts)):02d}h: {max(counts):,}"
    return Panel(Text("\n".join(lines)), title=caption, title_align="left")


def _instances_and_cost(a: Analysis) -> Panel:
    inst = a.instances
    if inst.count is None:
        cells = [("instances", _unknown(a, "instances"))]
    else:
        cells = [
            ("instances", f"{inst.count:,} log streams"),
            ("idle gap s", _spread(inst.idle_gap_s)),
            ("lifetime s", _spread(inst.lifetime_s)),
            ("last use → end s", _spread(inst.last_use_to_end_s)),
        ]
    if a.cost is None:
        cells.append(("cost", "n/a: the memory size is unknown"))
    else:
        c = a.cost
        cells += [
            ("cost of period", f"{_usd(c.period['total_usd'])} (compute {_usd(c.period['compute_usd'])}, "
             f"requests {_usd(c.period['requests_usd'])})"),
            ("cost per month", _usd(c.per_month["total_usd"]) if c.per_month else "-"),
            ("priced as", f"{c.architecture}, {c.region}, no free tier"),
        ]
    return Panel(_pairs(cells, columns=1), title="instances and cost", title_align="left")


def _pairs(cells: list[tuple[str, str]], columns: int = 2) -> Table:
    table = Table.grid(padding=(0, 2), expand=True)
    for _ in range(columns):
        table.add_column(style="bold", no_wrap=True)
        table.add_column(ratio=1)
    for start in range(0, len(cells), columns):
        row = cells[start : start + columns]
        row += [("", "")] * (columns - len(row))
        table.add_row(*[item for pair in row for item in pair])
    return table


def _spread(pct: Percentiles) -> str:
    if pct.count == 0:
        return "-"
    return f"p50 {_num(pct.p50)}  p90 {_num(pct.p90)}  max {_num(pct.max)}"


def _headroom(use: MemoryUse, several: bool) -> str:
    if use.max_used_p99_mb is None:
        return "max used unknown"
    share = f", headroom {use.headroom_p99_fraction:.0%}" if use.headroom_p99_fraction is not None else ""
    count = f" ({use.invocations:,} requests)" if several else ""
    return f"p99 used {use.max_used_p99_mb:,.0f} MB{share}{count}"


def _rate(per_s: float | None, per_min: float | None) -> str:
    if per_s is None or per_min is None:
        return "-"
    return f"{per_s:,.3g}/s  {per_min:,.4g}/min"


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"


def _mb(value: int | None) -> str:
    return "?" if value is None else f"{value:,} MB"


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _duration(seconds: float) -> str:
    for unit, size in (("d", SECONDS_PER_DAY), ("h", SECONDS_PER_HOUR), ("min", SECONDS_PER_MINUTE)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:,.1f} s"

"""Render replay results: one configuration as a summary, several as a comparison table."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from advisor.units import MS_PER_S, format_duration

if TYPE_CHECKING:  # scipy, which calibration needs, is slow to import
    from advisor.simulate import ReplayConfig
    from advisor.simulate.calibrate import Calibration

LATENCY_COLUMNS = ("p50", "p90", "p95", "p99", "p999", "max")


def describe(config: ReplayConfig) -> str:
    """A short one-line description of a configuration."""
    parts = [f"keep-alive {format_duration(config.keep_alive_s)}", f"routing {config.routing}"]
    if config.provisioned_schedule is not None:
        parts.append(f"provisioned {config.provisioned_schedule.spec()}")
    elif config.provisioned:
        parts.append(f"provisioned {config.provisioned}")
    if config.max_concurrency is not None:
        parts.append(f"max {config.max_concurrency} ({config.on_limit})")
    if config.per_instance_concurrency > 1:
        parts.append(f"{config.per_instance_concurrency}/instance")
    if config.batch_size > 1:
        parts.append(f"batch {config.batch_size}/{config.batch_wait_ms:g} ms")
    if config.max_lifetime_s is not None:
        parts.append(f"lifetime {format_duration(config.max_lifetime_s)}")
    return ", ".join(parts)


def render_summary(trace_name: str, config: ReplayConfig, summary: dict[str, Any]) -> RenderableType:
    """One replay: what was replayed, cold starts, latency percentiles, instances and cost."""
    head = Text()
    head.append(trace_name, style="bold")
    head.append(f"  {summary['requests']:,} requests  ({describe(config)})")
    counts = Table(show_header=False, box=None, padding=(0, 2))
    counts.add_column(style="bold")
    counts.add_column()
    counts.add_row("cold starts", f"{summary['cold_starts']:,} ({_pct(summary['cold_fraction'])})")
    if config.memory_mb is not None:
        counts.add_row("memory", f"{config.memory_mb:,} MB {config.arch}, priced in {config.region}")
    counts.add_row("throttled", f"{summary['throttled']:,}")
    counts.add_row("instances max / mean", f"{summary['instances']['max']:,} / {summary['instances']['mean']:.2f}")
    seconds = summary["instance_seconds"]
    counts.add_row("instance-s busy / idle", f"{seconds['busy']:,.0f} / {seconds['idle']:,.0f}")
    counts.add_row("provisioned instance-s", f"{seconds['provisioned']:,.0f}")
    counts.add_row("cost", _cost(summary))
    latency = Table(title="latency (ms, served requests)", title_justify="left")
    for name in LATENCY_COLUMNS:
        latency.add_column(name, justify="right")
    latency.add_row(*(_ms(summary["latency_ms"][name]) for name in LATENCY_COLUMNS))
    foot = Text(f"simulated in {summary['sim_wall_seconds']:.3f} s", style="dim")
    return Group(head, counts, latency, foot)


def render_comparison(trace_name: str, rows: list[tuple[str, ReplayConfig, dict[str, Any]]]) -> RenderableType:
    """Several configurations over the same trace: one numbered row each, then the legend."""
    table = Table(title=f"{trace_name}: {rows[0][2]['requests']:,} requests replayed", title_justify="left",
                  box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    # Fits 80 columns: no cell wraps or is cut, whatever the figures.
    for name in ("#", "cold", "cold %", "throttled", "p50", "p95", "p99", "instances", "cost"):
        table.add_column(name, justify="right", no_wrap=True)
    legend = Text()
    for number, (label, config, summary) in enumerate(rows, start=1):
        latency = summary["latency_ms"]
        table.add_row(
            str(number),
            f"{summary['cold_starts']:,}",
            _pct(summary["cold_fraction"]),
            f"{summary['throttled']:,}",
            _lat(latency["p50"]),
            _lat(latency["p95"]),
            _lat(latency["p99"]),
            f"{summary['instances']['max']:,} / {summary['instances']['mean']:.1f}",
            "n/a" if summary["cost_usd"] is None else _usd(summary["cost_usd"]["total_usd"]),
        )
        legend.append(f"{number} ", style="bold")
        legend.append(f"{label + ': ' if label else ''}{describe(config)}\n")
    legend.rstrip()
    return Group(table, legend)


def _lat(ms: float | None) -> str:
    if ms is None:
        return "-"
    if ms < MS_PER_S:
        return f"{ms:.0f}ms"
    if ms < 100 * MS_PER_S:
        return f"{ms / MS_PER_S:.2f}s"
    return f"{ms / MS_PER_S:,.0f}s"


def _pct(fraction: float | None) -> str:
    return "n/a" if fraction is None else f"{fraction * 100:.2f}%"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _cost(summary: dict[str, Any]) -> str:
    """The cost with its parts, or ``n/a`` and why."""
    cost = summary["cost_usd"]
    if cost is None:
        return summary["cost_note"] or "n/a"
    parts = [f"compute {_usd(cost['compute_usd'])}", f"requests {_usd(cost['requests_usd'])}"]
    if Decimal(cost["provisioned_usd"]):
        parts.append(f"provisioned {_usd(cost['provisioned_usd'])}")
    return f"{_usd(cost['total_usd'])} ({', '.join(parts)})"


def _usd(text: str) -> str:
    amount = Decimal(text)
    return f"${amount:,.4f}" if amount >= Decimal("0.0001") or not amount else f"${amount:.2e}"


def render_calibration(trace_name: str, fit: Calibration) -> RenderableType:
    """The calibration: observed vs simulated cold starts, best keep-alive and routing, the grid."""
    head = Text()
    head.append(f"{trace_name}: calibration on {fit.requests:,} requests\n", style="bold")
    head.append(f"observed cold starts {fit.observed_cold:,} "
                f"({fit.confidence:.0%} interval {fit.interval[0]:,}-{fit.interval[1]:,})\n")
    head.append(f"best fit: keep-alive {format_duration(fit.keep_alive_s)}, routing {fit.routing}: "
                f"{fit.simulated_cold:,} simulated cold starts, ")
    head.append("within the interval" if fit.consistent else "OUTSIDE the interval",
                style="green" if fit.consistent else "red")
    if fit.idle_gaps_s is not None:
        gaps = fit.idle_gaps_s
        head.append(f"\nlog streams: {gaps['count']:,} idle gaps survived, p50 {gaps['p50']:.0f} s, "
                    f"p90 {gaps['p90']:.0f} s, longest {gaps['max']:.0f} s (keep-alive is at least that)")
    grid = Table(title="simulated cold starts by keep-alive and routing", title_justify="left")
    grid.add_column("keep-alive", justify="right")
    rules = list(dict.fromkeys(c.routing for c in fit.candidates))
    for rule in rules:
        grid.add_column(rule, justify="right")
    by_key = {(c.keep_alive_s, c.routing): c.simulated_cold for c in fit.candidates}
    for ka in dict.fromkeys(c.keep_alive_s for c in fit.candidates):
        grid.add_row(format_duration(ka), *(f"{by_key[(ka, rule)]:,}" for rule in rules))
    return Group(head, grid)

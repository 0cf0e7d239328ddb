"""Render ``advisor recommend``: today against the recommendation, the candidates, the cost/p95
frontier, the hourly schedule, the missing evidence and the break-even's summary.

Everything is rendered from the JSON object the command prints with ``--json``
(``Recommendation.to_dict()``), so the screen and the JSON never disagree. A figure the
evidence does not hold is null there and ``n/a`` here, with the reason.
"""

from __future__ import annotations

from typing import Any, Final

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from advisor.report.breakeven import _count
from advisor.report.chart import CURVE, LIMIT, MEASURED, PICK, chart, renderable
from advisor.simulate.schedule import ProvisionedSchedule as Schedule
from advisor.sla import Sla
from advisor.units import MS_PER_S

MEETS, MISSES = "yes", "no"
RECOMMENDED, FRONTIER, TODAY = "*", "P", "T"
CHART_WIDTH: Final = 60
CHART_HEIGHT: Final = 10
HOURS_PER_ROW: Final = 12


def render_recommendation(doc: dict[str, Any]) -> RenderableType:
    """The whole report, in reading order."""
    head = Text()
    head.append(doc["function"], style="bold")
    head.append(f"  SLA {doc['sla']} end to end over {doc['evidence']['traffic_requests']:,} imported requests, "
                f"prices of {doc['region']}")
    parts: list[RenderableType] = [head, _evidence(doc), _today_against(doc), _candidates(doc),
                                   renderable(_frontier_chart(doc)), _schedule(doc), _missing(doc), _breakeven(doc)]
    if doc["notes"]:
        notes = _listing("notes")
        for note in doc["notes"]:
            notes.add_row("-", note)
        parts.append(notes)
    return Group(*parts)


def _evidence(doc: dict[str, Any]) -> Text:
    evidence = doc["evidence"]
    parts = []
    for source, count in evidence["sources"].items():
        sizes = sorted({(m["memory_mb"], m["architecture"]) for m in evidence["measured"] if m["source"] == source})
        where = ", ".join(f"{mb:,} MB {arch}" for mb, arch in sizes)
        parts.append(f"{source}: none" if count is None else f"{source}: {count:,} at {where}")
    return Text("evidence  " + "; ".join(parts))


def _today_against(doc: dict[str, Any]) -> Table:
    today, best = doc["current"], doc["recommended"]
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, title="today against the recommendation",
                  title_justify="left")
    table.add_column("")
    table.add_column("today", no_wrap=True)
    table.add_column("recommended", no_wrap=True)
    rows = [
        ("memory", lambda c: f"{c['memory_mb']:,} MB"),
        ("architecture", lambda c: c["architecture"]),
        ("keep-warm", lambda c: _keep_warm(c["keep_warm"])),
        ("monthly cost", lambda c: f"${c['monthly_cost_usd']:,.2f}"),
        ("p50 / p95 / p99", lambda c: " / ".join(_latency(c["latency_ms"][p]) for p in ("p50", "p95", "p99"))),
        ("p95 upper", lambda c: _latency(c["latency_upper_ms"]["p95"])),
        ("cold starts", lambda c: _share(c["cold_start_fraction"])),
        ("meets the SLA", lambda c: MEETS if c["meets_sla"] else MISSES),
    ]
    for name, cell in rows:
        table.add_row(name, "n/a: see the notes" if today is None else cell(today),
                      "n/a: nothing to recommend" if best is None else cell(best))
    saving = doc["savings_usd_per_month"]
    if saving is None:
        table.caption = "savings: n/a (today's month is unknown)"
    elif saving >= 0:
        table.caption = f"savings: ${saving:,.2f}/month"
    else:  # today would be the pick if it met the SLA and cost less
        table.caption = f"meeting the SLA costs ${-saving:,.2f}/month more than today, which misses it"
    table.caption_justify = "left"
    return table


def _candidates(doc: dict[str, Any]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 0, 0, 1), pad_edge=False, title_justify="left",
                  title="candidates (memory x architecture x the best setting of each keep-warm strategy), cheapest "
                        "first", caption_justify="left",
                  caption=f"{RECOMMENDED} recommended, {FRONTIER} on the cost/p95 frontier, {TODAY} today; latency "
                          "end to end, central replay; p95 up: the pessimistic replay the SLA is checked on; "
                          "meas.: the size was measured (else its durations are the duration model's)")
    for name in ("", "MB", "arch", "keep-warm", "$/month", "p50", "p95", "p99", "p95 up", "cold", "SLA",
                 "meas."):
        table.add_column(name, justify="left" if name in ("", "arch", "keep-warm") else "right", no_wrap=True)
    frontier = set(doc["pareto"])
    for index, c in enumerate(doc["candidates"]):
        marks = (RECOMMENDED if c == doc["recommended"] else "") + (FRONTIER if index in frontier else "") + (
            TODAY if c == doc["current"] else "")
        latency = c["latency_ms"]
        table.add_row(marks, f"{c['memory_mb']:,}", c["architecture"], _keep_warm(c["keep_warm"]),
                      f"{c['monthly_cost_usd']:,.2f}", *(_latency(latency[p]) for p in ("p50", "p95", "p99")),
                      _latency(c["latency_upper_ms"]["p95"]), _share(c["cold_start_fraction"]),
                      MEETS if c["meets_sla"] else MISSES, MEETS if c["measured"] else MISSES)
    return table


def _frontier_chart(doc: dict[str, Any]) -> str:
    """p95 against monthly cost: every candidate, the frontier's, the SLA's p95 limit, the pick."""
    candidates = doc["candidates"]
    points = [(c["monthly_cost_usd"], c["latency_ms"]["p95"]) for c in candidates]
    plotted = [(x, y) for x, y in points if y is not None and x > 0]
    if not plotted:
        return "cost/p95 frontier: n/a (no candidate has a p95 and a cost above 0)"
    frontier = [points[i] for i in doc["pareto"]]
    limit = next((o.limit_ms for o in Sla.parse(doc["sla"]).objectives if o.percentile == 95.0), None)
    best = doc["recommended"]
    title = (f"p95 vs monthly cost; {MEASURED} the cost/p95 frontier, {CURVE} other candidates, {PICK} recommended"
             + (f", {LIMIT} the SLA's p95" if limit is not None else ""))
    # the frontier drawn last, over another candidate in the same cell
    return chart(title, [p for p in plotted if p not in frontier], frontier, fmt=_axis_latency, width=CHART_WIDTH,
                 height=CHART_HEIGHT, limit=limit, pick=None if best is None else best["monthly_cost_usd"],
                 x_fmt=lambda usd: f"${usd:,.2f}/month")


def _schedule(doc: dict[str, Any]) -> RenderableType:
    schedule = doc["schedule"]
    if schedule is None:
        return Text("provisioned schedule by hour: n/a (the schedule strategy was not considered)")
    title = Text("provisioned concurrency by UTC hour (the schedule candidate at the recommended size)")
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 0, 0, 1), pad_edge=False)
    table.add_column("UTC", no_wrap=True)
    for column in range(HOURS_PER_ROW):
        table.add_column(f"+{column}", justify="right", no_wrap=True)
    hours = schedule["hours_utc"]
    for start in range(0, len(hours), HOURS_PER_ROW):
        table.add_row(f"{start:02d}:00", *(str(n) for n in hours[start:start + HOURS_PER_ROW]))
    words = Text(f"{schedule['description']}\n--provisioned-schedule {schedule['spec']}")
    return Group(title, table, words)


def _missing(doc: dict[str, Any]) -> RenderableType:
    found = doc["missing_evidence"]
    if not found:
        return Text("missing evidence: none found (every architecture measured at several sizes, cold starts "
                    "measured, the recommendation near a measured size)")
    table = _listing("missing evidence (what would make this answer surer, and the command that gets it)")
    for gap in found:
        table.add_row("-", f"{gap['what']}: {gap['why']}\n$ {gap['command']}")
    return table


def _listing(title: str) -> Table:
    """A titled list whose items wrap under their own first line (the title spans the whole width)."""
    table = Table(show_header=False, box=None, padding=(0, 0, 0, 1), pad_edge=False, expand=True)
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    table.title = title
    table.title_justify = "left"
    return table


def _breakeven(doc: dict[str, Any]) -> RenderableType:
    study = doc["breakeven"]
    if study is None:
        return Text("break-even: n/a (--platforms none)")
    table = _listing("break-even: the cheapest platform that meets the SLA, by volume (Lambda at the recommended "
                     "configuration; every platform and assumption: advisor breakeven, or --json)")
    for volume in study["volumes"]:
        winner = volume["cheapest"]
        row = next((p for p in volume["platforms"] if p["platform"] == winner), None)
        cost = "" if row is None or row["monthly_usd"] is None else f" ${float(row['monthly_usd']):,.2f}/month"
        table.add_row(f"x{volume['factor']:g}", f"{_count(volume['requests_per_month'])} requests/month: "
                      f"{winner or 'no platform meets the SLA'}{cost}")
    if not study["crossovers"]:
        table.add_row("crossovers", "none")
    for crossover in study["crossovers"]:
        low, high = crossover["between_factors"]
        below, above = crossover["below"] or "no platform", crossover["above"] or "no platform"
        at = crossover["requests_per_month"]
        where = f"at {_count(at)} requests/month" if at is not None else f"between x{low:g} and x{high:g}"
        why = "becomes cheaper than" if crossover["reason"] == "cost" else "takes over (the SLA decides) from"
        table.add_row("crossover", f"{where}: {above} {why} {below}")
    rows = [r for v in study["volumes"] for r in v["platforms"] if r["unavailable"] is not None]
    for reason in dict.fromkeys(r["unavailable"] for r in rows):
        names = ", ".join(sorted({r["platform"] for r in rows if r["unavailable"] == reason}))
        table.add_row("n/a", f"{names}: {reason.removeprefix('n/a: ')}")
    return table


def _keep_warm(setting: dict[str, Any]) -> str:
    """The setting in a few characters (a schedule by its peak: the section below has it whole)."""
    kind = setting["kind"]
    if kind == "provisioned":
        return f"provisioned {setting['provisioned']}"
    if kind == "schedule":
        return f"schedule, peak {Schedule.parse(setting['schedule']).peak}"
    if kind == "pings":
        return f"pings {setting['ping_concurrency']}/{setting['replay_options'][1]}"
    return "none"


def _latency(ms: float | None) -> str:
    if ms is None:
        return "n/a: throttled"
    return f"{ms:,.0f} ms" if ms < MS_PER_S else f"{ms / MS_PER_S:,.2f} s"


def _axis_latency(ms: float) -> str:
    return f"{ms / MS_PER_S:,.2f} s"


def _share(value: float | None) -> str:
    return "n/a: no request" if value is None else f"{value:.1%}"

"""The break-even report people read (Markdown, HTML), built from ``advisor breakeven --json``'s document.

Same figures as the JSON, formatted once (:mod:`advisor.report.document`): money to the cent,
latency to a tenth of a millisecond, volumes to the request. The terminal report
(:mod:`advisor.report.breakeven`) rounds further to fit a screen; the sentences of the
crossovers and the assumptions' wording are its own functions, shared.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advisor.report import figures
from advisor.report.breakeven import crossover_sentence, settings_text
from advisor.report.document import (
    BEST,
    MEETS,
    MISSES,
    Bullets,
    Cell,
    Document,
    Paragraph,
    Section,
    Table,
    count,
    factor,
    ms,
    share,
    usd,
    yes_no,
)
from advisor.units import format_duration

#: A p95 the replay could not bound (a rejected request) is infinitely slow, not unknown.
INFINITE = "inf"


def breakeven_document(doc: Mapping[str, Any], *, level: str = "") -> Document:
    """The report of one break-even.

    Args:
        doc: ``Breakeven.to_dict()``.
        level: Prefix of the section titles (``"Break-even: "`` inside a recommendation).
    """
    lead = (f"{doc['requests']:,} requests over {format_duration(round(doc['horizon_s']))}, SLA {doc['sla']}; "
            "each volume is the same arrivals thinned or superposed, replayed on each platform's model.")
    sections = (
        Section(f"{level}Cheapest platform that meets the SLA", (_winners(doc), _crossovers(doc))),
        Section(f"{level}Monthly cost", (_cost_matrix(doc), figures.cost_by_volume(doc))),
        Section(f"{level}p95 latency", (_latency_matrix(doc), figures.p95_by_volume(doc))),
        *(Section(f"{level}At {factor(v['factor'])} ({count(v['requests_per_month'])} requests/month)",
                  (_volume_detail(v),)) for v in doc["volumes"]),
        Section(f"{level}Assumptions", (_assumptions(doc),)),
        Section(f"{level}Notes", (_notes(doc),)),
    )
    return Document(f"Break-even: {doc['function']}", lead, sections)


def _where(row: Mapping[str, Any], volume: Mapping[str, Any], name: str) -> dict[str, str]:
    return {"field": name, "platform": row["platform"], "factor": f"{volume['factor']:g}"}


def _winners(doc: Mapping[str, Any]) -> Table:
    rows = []
    for volume in doc["volumes"]:
        best = next((p for p in volume["platforms"] if p["platform"] == volume["cheapest"]), None)
        volume_cells = (Cell(factor(volume["factor"])),
                        Cell(count(volume["requests_per_month"]),
                             {"field": "requests_per_month", "factor": f"{volume['factor']:g}"}))
        if best is None:
            rows.append((*volume_cells, Cell("none meets the SLA"), Cell("n/a"), Cell("n/a")))
            continue
        rows.append((*volume_cells, Cell(best["platform"]),
                     Cell(usd(best["monthly_usd"]), _where(best, volume, "monthly_usd")),
                     Cell(_p95(best), _where(best, volume, "latency_ms.p95"))))
    return Table("winners", ("volume", "requests/month", "cheapest that meets the SLA", "monthly cost", "p95 ms"),
                 tuple(rows))


def _crossovers(doc: Mapping[str, Any]) -> Bullets | Paragraph:
    by_factor = {v["factor"]: v["requests_per_month"] for v in doc["volumes"]}
    if not doc["crossovers"]:
        first = doc["volumes"][0]["cheapest"] if doc["volumes"] else None
        return Paragraph("Crossovers: none; " + ("no platform meets the SLA" if first is None
                                                 else f"{first} is the cheapest that meets the SLA")
                         + " at every volume.")
    lines = []
    for crossover in doc["crossovers"]:
        low, high = crossover["between_factors"]
        lines.append("crossover: " + crossover_sentence(crossover, by_factor[low], by_factor[high], count))
    return Bullets(tuple(lines))


def _volume_header(doc: Mapping[str, Any]) -> tuple[str, ...]:
    return ("platform", *(f"{factor(v['factor'])} ({count(v['requests_per_month'])}/month)" for v in doc["volumes"]))


def _platform_names(doc: Mapping[str, Any]) -> list[str]:
    return [p["platform"] for p in doc["volumes"][0]["platforms"]] if doc["volumes"] else []


def _cost_matrix(doc: Mapping[str, Any]) -> Table:
    rows = []
    for index, name in enumerate(_platform_names(doc)):
        cells = [Cell(name)]
        for volume in doc["volumes"]:
            row = volume["platforms"][index]
            cells.append(Cell(_cost_text(row, volume), _where(row, volume, "monthly_usd")))
        rows.append(tuple(cells))
    return Table("cost", _volume_header(doc), tuple(rows),
                 f"{MEETS} meets the SLA, {MISSES} misses it, {BEST} cheapest that meets it; n/a: see the notes.")


def _cost_text(row: Mapping[str, Any], volume: Mapping[str, Any]) -> str:
    if row["monthly_usd"] is None:
        return "n/a"
    mark = MEETS if row["meets_sla"] else MISSES
    best = f" {BEST}" if volume["cheapest"] == row["platform"] else ""
    return f"{usd(row['monthly_usd'])} {mark}{best}"


def _p95(row: Mapping[str, Any]) -> str:
    return _latency(row, "p95")


def _latency(row: Mapping[str, Any], name: str) -> str:
    if row["unavailable"] is not None:
        return "n/a"
    return ms(row["latency_ms"].get(name), unknown=INFINITE)


def _latency_matrix(doc: Mapping[str, Any]) -> Table:
    rows = []
    for index, name in enumerate(_platform_names(doc)):
        rows.append((Cell(name), *(Cell(_p95(v["platforms"][index]), _where(v["platforms"][index], v, "latency_ms.p95"))
                                   for v in doc["volumes"])))
    return Table("p95", _volume_header(doc), tuple(rows),
                 f"End-to-end p95 in milliseconds; {INFINITE}: some request was rejected; p50 and p99 below.")


def _volume_detail(volume: Mapping[str, Any]) -> Table:
    rows = []
    for row in volume["platforms"]:
        rows.append((
            Cell(row["platform"]),
            Cell(usd(row["monthly_usd"]), _where(row, volume, "monthly_usd")),
            Cell(_breakdown(row["breakdown_usd"])),
            Cell(usd(row["period_usd"]), _where(row, volume, "period_usd")),
            *(Cell(_latency(row, p), _where(row, volume, f"latency_ms.{p}")) for p in ("p50", "p95", "p99")),
            Cell(share(row["cold_fraction"]), _where(row, volume, "cold_fraction")),
            Cell(yes_no(row["meets_sla"]), _where(row, volume, "meets_sla")),
        ))
    return Table(f"volume-{volume['factor']:g}",
                 ("platform", "monthly cost", "of which", "replayed span", "p50 ms", "p95 ms", "p99 ms",
                  "cold starts", "meets SLA"), tuple(rows))


def _breakdown(parts: Mapping[str, str]) -> str:
    return ", ".join(f"{name} {usd(value)}" for name, value in parts.items()) or "-"


def _assumptions(doc: Mapping[str, Any]) -> Table:
    rows = tuple((Cell(name), Cell(settings_text(values))) for name, values in doc["assumptions"].items())
    return Table("assumptions", ("platform", "assumptions (each one settable: advisor breakeven --help)"), rows)


def _notes(doc: Mapping[str, Any]) -> Bullets | Paragraph:
    where: dict[str, list[str]] = {}
    for volume in doc["volumes"]:
        for row in volume["platforms"]:
            for note in ([row["unavailable"]] if row["unavailable"] is not None else []) + list(row["notes"]):
                where.setdefault(f"{row['platform']}: {note}", []).append(factor(volume["factor"]))
    every = len(doc["volumes"])
    lines = tuple(line if len(factors) == every else f"{line} (at {', '.join(factors)})"
                  for line, factors in where.items())
    return Bullets(lines) if lines else Paragraph("No notes.")

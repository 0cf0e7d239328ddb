"""The recommendation report people read (Markdown, HTML), built from ``advisor recommend --json``'s document.

The document's shape is docs/recommend.md's (``Recommendation.to_dict()``): today's setting and the
recommended one, every candidate with the Pareto frontier of cost against p95, the provisioned
schedule by hour, the missing evidence with the command that would get it, and the break-even
(its own report, :mod:`advisor.report.breakeven_doc`, unchanged). Money to the cent, latency to a
tenth of a millisecond, as in the break-even report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advisor.report import figures
from advisor.report.breakeven_doc import INFINITE, breakeven_document
from advisor.report.document import (
    Block,
    Bullets,
    Cell,
    Document,
    Paragraph,
    Section,
    Table,
    count,
    ms,
    share,
    usd,
    yes_no,
)

PERCENTILES = ("p50", "p95", "p99")
CANDIDATE_COLUMNS = ("memory", "architecture", "keep-warm", "monthly cost", "p50 ms", "p95 ms", "p99 ms",
                     "p95 upper ms", "cold starts", "meets SLA", "measured")
#: Why no latency CDF is drawn when the document has none (each candidate holds three percentiles).
NO_CDF = ("No latency CDF: neither today's setting nor the recommendation has a replayed distribution "
          "(latency_cdf_ms) in the document.")


def recommend_document(doc: Mapping[str, Any]) -> Document:
    """The report of one recommendation (``Recommendation.to_dict()``)."""
    architecture = doc["architecture"] or "n/a (the workspace does not record it)"
    lead = (f"SLA {doc['sla']} ({doc['sla_basis']} latency), region {doc['region']}, the function's architecture "
            f"{architecture}; from the evidence in the workspace alone (no new invocations).")
    cdf = figures.latency_cdfs(doc)
    sections = [
        Section("Today and the recommendation", _pick(doc)),
        Section("Candidates", (_candidates(doc), figures.cost_vs_p95(doc))),
        Section("Provisioned concurrency schedule", _schedule(doc["schedule"])),
        Section("Latency CDFs", (cdf,) if cdf is not None else (Paragraph(NO_CDF),)),
        Section("Missing evidence", _missing(doc["missing_evidence"])),
        Section("Evidence", _evidence(doc["evidence"])),
    ]
    if doc["breakeven"] is not None:
        sections += breakeven_document(doc["breakeven"], level="Break-even: ").sections
    else:
        sections.append(Section("Break-even", (Paragraph("No break-even in this recommendation."),)))
    notes = tuple(doc["notes"])
    sections.append(Section("Notes", (Bullets(notes) if notes else Paragraph("No notes."),)))
    return Document(f"Recommendation: {doc['function']}", lead, tuple(sections))


def _candidate_cells(candidate: Mapping[str, Any], where: str) -> tuple[Cell, ...]:
    def at(name: str) -> dict[str, str]:
        return {"field": name, "candidate": where}

    return (
        Cell(f"{candidate['memory_mb']:,} MB", at("memory_mb")),
        Cell(candidate["architecture"]),
        Cell(candidate["keep_warm"]["description"]),
        Cell(usd(candidate["monthly_cost_usd"]), at("monthly_cost_usd")),
        *(Cell(ms(candidate["latency_ms"].get(p), unknown=INFINITE), at(f"latency_ms.{p}")) for p in PERCENTILES),
        Cell(ms(candidate["latency_upper_ms"].get("p95"), unknown=INFINITE), at("latency_upper_ms.p95")),
        Cell(share(candidate["cold_start_fraction"]), at("cold_start_fraction")),
        Cell(yes_no(candidate["meets_sla"]), at("meets_sla")),
        Cell(yes_no(candidate["measured"]), at("measured")),
    )


def _pick(doc: Mapping[str, Any]) -> tuple[Block, ...]:
    rows = tuple((Cell(label), *_candidate_cells(doc[key], key))
                 for key, label in (("current", "today"), ("recommended", "recommended")) if doc[key] is not None)
    blocks: list[Block] = []
    if rows:
        blocks.append(Table("pick", ("", *CANDIDATE_COLUMNS), rows,
                            "p95 upper: the pessimistic replay's p95, which decides whether the SLA is met."))
    if doc["current"] is None:
        blocks.append(Paragraph("Today's setting: n/a (the workspace does not say today's memory size, or it "
                                "cannot be priced)."))
    if doc["recommended"] is None:
        blocks.append(Paragraph("No recommendation: no candidate could be priced; see the missing evidence."))
    savings = doc["savings_usd_per_month"]
    text = ("n/a (today's setting or the recommendation is unknown)" if savings is None
            else usd(savings) if savings >= 0 else f"{usd(-savings)} more than today")
    blocks.append(Table("savings", ("saving per month",), ((Cell(text, {"field": "savings_usd_per_month"}),),)))
    return tuple(blocks)


def _candidates(doc: Mapping[str, Any]) -> Table:
    frontier = set(doc["pareto"])
    rows = tuple((Cell(str(index)), *_candidate_cells(candidate, str(index)),
                  Cell("yes" if index in frontier else "no"))
                 for index, candidate in enumerate(doc["candidates"]))
    return Table("candidates", ("#", *CANDIDATE_COLUMNS, "Pareto"), rows,
                 "Cheapest first. Pareto: no other candidate is both cheaper and faster at p95.")


def _schedule(schedule: Mapping[str, Any] | None) -> tuple[Block, ...]:
    if schedule is None:
        return (Paragraph("No provisioned schedule: none was searched or none is needed at the recommendation."),)
    rows = tuple((Cell(f"{hour:02d}:00-{hour + 1:02d}:00"), Cell(str(n), {"field": "hours_utc", "hour": str(hour)}))
                 for hour, n in enumerate(schedule["hours_utc"]))
    return (Paragraph(schedule["description"]), figures.schedule_by_hour(schedule),
            Table("schedule", ("hour (UTC)", "provisioned instances"), rows))


def _missing(missing: list[Mapping[str, str]]) -> tuple[Block, ...]:
    if not missing:
        return (Paragraph("None: every candidate size was measured."),)
    rows = tuple((Cell(m["what"]), Cell(m["why"]), Cell(m["command"])) for m in missing)
    return (Table("missing", ("what", "why", "command that would get it"), rows),)


def _evidence(evidence: Mapping[str, Any]) -> tuple[Block, ...]:
    sources = tuple((Cell(name), Cell(count(n) if n is not None else "n/a", {"field": f"evidence.sources.{name}"}))
                    for name, n in evidence["sources"].items())
    measured = tuple((Cell(m["source"]), Cell(m["architecture"]),
                      Cell(f"{m['memory_mb']:,} MB", {"field": "memory_mb", "measured": str(i)}),
                      Cell(count(m["invocations"]), {"field": "invocations", "measured": str(i)}))
                     for i, m in enumerate(evidence["measured"]))
    traffic = (Cell("traffic replayed (requests)"),
               Cell(count(evidence["traffic_requests"]), {"field": "evidence.traffic_requests"}))
    return (Table("sources", ("source", "invocations (powertuning: sizes)"), (*sources, traffic)),
            Table("measured", ("source", "architecture", "memory", "invocations"), measured))

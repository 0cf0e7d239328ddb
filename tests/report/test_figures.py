"""The interactive charts' figures: what each plots from the JSON, what it leaves out, and that plotly accepts them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest

from advisor.report import figures
from advisor.report.document import Chart

DATA = Path(__file__).with_name("data")


@pytest.fixture
def recommendation() -> dict[str, Any]:
    """A recommendation shaped by hand as RECOMMEND_PLAN.md's schema (what the real command rarely shows at once:
    candidates that meet and miss the SLA, an unbounded p95), with a real break-even inside."""
    return json.loads((DATA / "recommend_plan_schema.json").read_text())


def _traces(chart: Chart) -> dict[str, dict[str, Any]]:
    go.Figure(chart.figure)  # plotly's own validation: an unknown property raises
    return {trace["name"]: trace for trace in chart.figure["data"]}  # type: ignore[attr-defined]


def test_a_platform_that_could_not_be_priced_is_left_out_of_the_cost_chart(recommendation) -> None:
    breakeven = recommendation["breakeven"]
    for volume in breakeven["volumes"]:
        row = next(p for p in volume["platforms"] if p["platform"] == "modal T4")
        row.update(monthly_usd=None, meets_sla=None, unavailable="n/a: give --gpu-ms",
                   latency_ms=dict.fromkeys(("p50", "p95", "p99")))
    assert "modal T4" not in _traces(figures.cost_by_volume(breakeven))
    assert "modal T4" not in _traces(figures.p95_by_volume(breakeven))
    assert "beam T4" in _traces(figures.cost_by_volume(breakeven))


def test_a_missed_sla_is_an_open_marker(recommendation) -> None:
    breakeven = recommendation["breakeven"]
    breakeven["volumes"][0]["platforms"][0]["meets_sla"] = False
    trace = _traces(figures.cost_by_volume(breakeven))[breakeven["volumes"][0]["platforms"][0]["platform"]]
    assert trace["marker"]["symbol"][0].endswith("-open") and not trace["marker"]["symbol"][1].endswith("-open")
    assert "misses the SLA" in trace["text"][0] and "meets the SLA" in trace["text"][1]


def test_an_sla_decided_crossover_is_a_dotted_line_between_its_two_volumes(recommendation) -> None:
    breakeven = copy.deepcopy(recommendation["breakeven"])
    breakeven["crossovers"] = [{"below": "lambda 1,024 MB", "above": "g4dn.xlarge", "between_factors": [1.0, 10.0],
                                "requests_per_month": None, "reason": "sla"}]
    lines = [t for name, t in _traces(figures.cost_by_volume(breakeven)).items() if name.startswith("SLA decides")]
    low, high = (v["requests_per_month"] for v in breakeven["volumes"][1:3])
    assert len(lines) == 1 and lines[0]["line"]["dash"] == "dot"
    assert lines[0]["x"] == [pytest.approx((low * high) ** 0.5)] * 2


def test_the_sla_limit_is_drawn_only_for_a_p95_objective(recommendation) -> None:
    breakeven = recommendation["breakeven"]
    assert not any(n.startswith("SLA p95") for n in _traces(figures.p95_by_volume(breakeven)))  # p99=10m
    breakeven["sla"] = "p50=300ms,p95=2s"
    limit = next(t for n, t in _traces(figures.p95_by_volume(breakeven)).items() if n.startswith("SLA p95"))
    assert limit["y"] == [2000.0, 2000.0]


def test_candidates_split_by_the_sla_and_the_frontier_in_cost_order(recommendation) -> None:
    traces = _traces(figures.cost_vs_p95(recommendation))
    candidates = recommendation["candidates"]
    unbounded = [c for c in candidates if c["latency_ms"]["p95"] is None]
    assert unbounded, "the document has a candidate whose p95 is unbounded"
    plotted = len(traces["candidates that meet the SLA"]["x"]) + len(traces["candidates that miss the SLA (open)"]["x"])
    assert plotted == len(candidates) - len(unbounded)
    frontier = traces["Pareto frontier (cost against p95)"]
    assert frontier["y"] == sorted(frontier["y"])
    assert traces["today"]["marker"]["symbol"] == "diamond" and traces["recommended"]["marker"]["symbol"] == "star"


def test_the_schedule_is_one_bar_per_hour_labelled_with_its_count(recommendation) -> None:
    trace = _traces(figures.schedule_by_hour(recommendation["schedule"]))["provisioned instances"]
    assert trace["x"] == list(range(24)) and trace["y"] == recommendation["schedule"]["hours_utc"]
    assert trace["text"] == [str(n) for n in recommendation["schedule"]["hours_utc"]]


def test_latency_cdfs_are_drawn_only_where_the_document_holds_a_distribution(recommendation) -> None:
    assert figures.latency_cdfs(recommendation) is None  # the plan's schema: three percentiles only
    cdf = {"quantiles": [0.5, 0.95, 0.99, 1.0], "ms": [700.0, 1650.0, 2300.0, 4100.0]}
    recommendation["recommended"]["latency_cdf_ms"] = cdf
    chart = figures.latency_cdfs(recommendation)
    assert chart is not None
    (trace,) = _traces(chart).values()
    assert trace["name"].startswith("recommended: ") and trace["x"] == cdf["ms"] and trace["y"] == cdf["quantiles"]

"""The tune report renders the result object: every figure or ``n/a`` with its reason, and charts."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from rich.console import Console

from advisor.report.chart import LIMIT, PICK
from advisor.report.tune import render_result
from advisor.simulate.inputs import Trace
from advisor.sla import Sla
from advisor.tune import Budgets, Current, MemorySpace, SearchSpace, TuneSettings, tune
from advisor.tune.traffic import steady_rate
from tests.tune.plugin_target import CurveFunction


def _doc(sla: str = "p95=1500ms", traffic: Trace | None = None, **target: Any) -> dict[str, Any]:
    """The JSON object of a real tuning of a curve target."""
    settings = TuneSettings(function="fn", sla=Sla.parse(sla), space=SearchSpace(MemorySpace.parse("128..3008")),
                            budgets=Budgets(12), current=Current(256, "x86_64"), traffic=traffic)
    return tune(CurveFunction(**target), settings).to_dict()


def _text(doc: dict[str, Any]) -> str:
    console = Console(width=100, no_color=True, record=True, file=io.StringIO())
    console.print(render_result(doc))
    return console.export_text()


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return _doc()


def test_unknown_figures_read_n_a_with_the_reason(doc: dict[str, Any]) -> None:
    assert doc["monthly_cost_usd"] is None and doc["predicted"]["cold_start_fraction"] is None
    text = _text(doc)
    assert "cold starts    n/a: no traffic known (give --trace or --rate" in text
    assert "monthly at the pick        n/a: no traffic known" in text
    assert "saving per month           n/a: needs both monthly costs" in text
    assert re.search(r"\$0\.00(?!\d)", text) is None  # unknown is never shown as zero


def test_monthly_cost_breakdown_and_saving_are_shown_when_traffic_is_known() -> None:
    doc = _doc(traffic=steady_rate(1 / 60))
    monthly, today = doc["monthly_cost_usd"], doc["current"]["monthly_cost_usd"]
    assert monthly is not None and today is not None and doc["saving_usd"] is not None
    text = _text(doc)
    parts = ", ".join(f"{k} ${v:,.2f}" for k, v in monthly["breakdown"].items())
    assert f"monthly at the pick        ${monthly['total']:,.2f} ({parts})" in text
    assert f"today (256 MB x86_64)      ${today['total']:,.2f} (" in text
    saving = doc["saving_usd"]
    assert saving == pytest.approx(today["total"] - monthly["total"])
    money = f"${abs(saving):.3g}" if 0 < abs(saving) < 0.01 else f"${abs(saving):,.2f}"
    words = money if saving >= 0 else f"none: the pick costs {money} more than today"
    assert f"saving per month           {words}" in text
    assert f"keep-warm        {doc['recommendation']['keep_warm']['description']}" in text
    assert f"cold starts    {doc['predicted']['cold_start_fraction']:.2%} of requests" in text
    p95 = doc["predicted"]["latency_ms"]["p95"]
    assert f"p95 latency    {p95['value']:,.1f} ms (upper end {p95['high']:,.1f})" in text


def test_the_pick_and_its_latency_intervals_are_those_of_the_result(doc: dict[str, Any]) -> None:
    text = _text(doc)
    rec = doc["recommendation"]
    assert f"memory           {rec['memory_mb']:,} MB" in text
    p95 = doc["predicted"]["latency_ms"]["p95"]
    assert f"p95 latency    {p95['value']:,.1f} ms ({p95['low']:,.1f}-{p95['high']:,.1f})" in text
    assert f"cost ${doc['tuning']['cost_usd']:.6f}" in text


def test_the_p95_chart_draws_the_sla_line_and_marks_the_pick(doc: dict[str, Any]) -> None:
    text = _text(doc)
    chart = text[text.index("p95 duration (ms) vs memory"):].splitlines()
    plot = [line.split("│")[1] for line in chart[2:12]]
    assert sum(row.count(LIMIT) for row in plot) > 40  # the SLA line across the plot
    assert all(PICK in row or any(c in row for c in "·●◉") for row in plot)
    assert chart[0].endswith("| the pick")


def test_a_p99_sla_draws_no_p95_line_and_says_so() -> None:
    text = " ".join(_text(_doc("p99=2s")).split())
    assert "no SLA line (the SLA has no p95)" in text


def test_a_tuning_where_every_size_fails_recommends_nothing_and_says_why() -> None:
    doc = _doc(fail_below_mb=10_241)
    assert doc["recommendation"] is None and doc["predicted"]["latency_ms"] is None
    text = _text(doc)
    assert "configuration    n/a: no model could be fitted" in text
    assert "charts: n/a (no model could be fitted)" in text
    assert "infeasible at " in text and "Runtime.OutOfMemory" in text

"""The HTML reports in a real headless Chromium: written by the real command, opened with the network
refused, no console or page error, every chart drawn with its data, and the page's figures equal to the
JSON of the same run."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from advisor.report.breakeven import settings_text

from .conftest import Page, run_advisor

REPO = Path(__file__).resolve().parents[2]
#: 199 real invocations of the Azure Functions 2021 trace (bundled, see traces/NOTICE).
BREAKEVEN = ("breakeven", "--trace", str(REPO / "traces" / "azure2021-200.csv"), "--all-functions", "--memory",
             "1024", "--sla", "p99=10m", "--gpu-ms", "1:40,8:95,32:260", "--volumes", "0.1,1,10,100")
#: A real function of the Azure 2019 trace (one day, 256 MB), imported into a workspace for advisor recommend.
RECOMMEND_TRACE = REPO / "traces" / "azure2019-543bec406831_inv.csv"
RECOMMEND = ("recommend", "543bec406831", "--sla", "p95=40s", "--gpu-ms", "1:40,8:95,32:260")
CHARTS = {"breakeven": {"chart-cost-volume", "chart-p95-volume"},
          "recommend": {"chart-cost-p95", "chart-schedule", "chart-latency-cdf", "chart-cost-volume", "chart-p95-volume"}}
#: Every figure of each platform at each volume that a break-even report must show.
PLATFORM_FIELDS = {"monthly_usd", "period_usd", "latency_ms.p50", "latency_ms.p95", "latency_ms.p99",
                   "cold_fraction", "meets_sla"}
CANDIDATE_FIELDS = {"memory_mb", "monthly_cost_usd", "latency_ms.p50", "latency_ms.p95", "latency_ms.p99",
                    "latency_upper_ms.p95", "cold_start_fraction", "meets_sla", "measured"}
_NUMBER = re.compile(r"^\$?(-?[\d,]+(?:\.(\d+))?)")


@pytest.fixture(scope="module")
def breakeven_run(tmp_path_factory: pytest.TempPathFactory, open_in_chromium) -> tuple[dict[str, Any], Page]:
    """The JSON printed by ``advisor breakeven ... --json --html FILE`` and that FILE as Chromium showed it."""
    folder = tmp_path_factory.mktemp("breakeven-html")
    html = folder / "breakeven.html"
    document = json.loads(run_advisor([*BREAKEVEN, "--json", "--html", str(html)], folder / "ws"))
    return document, open_in_chromium(html)


@pytest.fixture(scope="module")
def recommend_run(tmp_path_factory: pytest.TempPathFactory, open_in_chromium) -> tuple[dict[str, Any], Page]:
    """The JSON printed by ``advisor recommend ... --json --html FILE`` on an imported workspace, and that FILE
    as Chromium showed it."""
    folder = tmp_path_factory.mktemp("recommend-html")
    html = folder / "recommend.html"
    run_advisor(["import", "trace", str(RECOMMEND_TRACE)], folder / "ws")
    document = json.loads(run_advisor([*RECOMMEND, "--json", "--html", str(html)], folder / "ws"))
    return document, open_in_chromium(html)


@pytest.fixture(params=["breakeven", "recommend"])
def run(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any], Page]:
    document, page = request.getfixturevalue(f"{request.param}_run")
    return request.param, document, page


def test_the_page_opens_without_any_network_request(run) -> None:
    _, _, page = run
    assert page.blocked == []
    assert len(page.requests) == 1 and page.requests[0].startswith("file://")


def test_the_page_logs_no_console_or_page_error(run) -> None:
    _, _, page = run
    assert page.errors == []


def test_each_chart_is_drawn_with_its_data_traces(run) -> None:
    kind, _, page = run
    assert {chart["id"] for chart in page.charts} == CHARTS[kind]
    for chart in page.charts:
        assert chart["traces"], chart["id"]
        assert chart["drawn"] == len(chart["traces"]) and chart["points"] > 0, chart["id"]


def test_every_figure_on_the_page_equals_the_json(run) -> None:
    kind, document, page = run
    shown = set()
    for cell in page.cells:
        value, unavailable = _figure(document, cell["source"])
        _assert_shows(cell["text"], value, unavailable=unavailable)
        shown.add(tuple(sorted(cell["source"].items())))
    breakeven = document if kind == "breakeven" else document["breakeven"]
    expected = {(("factor", f"{v['factor']:g}"), ("field", field), ("platform", p["platform"]))
                for v in breakeven["volumes"] for p in v["platforms"] for field in PLATFORM_FIELDS}
    if kind == "recommend":
        expected |= {(("candidate", str(i)), ("field", field)) for i in range(len(document["candidates"]))
                     for field in CANDIDATE_FIELDS}
        expected |= {(("field", "hours_utc"), ("hour", str(h))) for h in range(24)}
        expected |= {(("candidate", key), ("field", field)) for key in ("current", "recommended")
                     for field in CANDIDATE_FIELDS}
        expected.add((("field", "savings_usd_per_month"),))
    assert expected <= shown


def test_the_cost_marks_say_whether_the_sla_is_met_and_which_is_cheapest(breakeven_run) -> None:
    document, page = breakeven_run
    volumes = {f"{v['factor']:g}": v for v in document["volumes"]}
    cells = [c for c in page.cells if c["table"] == "cost"]
    assert cells
    for cell in cells:
        volume = volumes[cell["source"]["factor"]]
        row = next(p for p in volume["platforms"] if p["platform"] == cell["source"]["platform"])
        if row["monthly_usd"] is not None:
            assert ("✓" in cell["text"]) == row["meets_sla"] and ("✗" in cell["text"]) != row["meets_sla"], cell
            assert ("*" in cell["text"]) == (volume["cheapest"] == row["platform"]), cell


def test_the_break_even_charts_plot_the_figures_of_the_json(run) -> None:
    kind, document, page = run
    breakeven = document if kind == "breakeven" else document["breakeven"]
    charts = {chart["id"]: {t["name"]: t for t in chart["traces"]} for chart in page.charts}
    for index, name in enumerate(p["platform"] for p in breakeven["volumes"][0]["platforms"]):
        rows = [(v["requests_per_month"], v["platforms"][index]) for v in breakeven["volumes"]]
        priced = [(x, float(row["monthly_usd"])) for x, row in rows if row["monthly_usd"] is not None]
        assert _points(charts["chart-cost-volume"].get(name)) == priced  # no trace for a platform never priced
        timed = [(x, row["latency_ms"]["p95"]) for x, row in rows if row["latency_ms"].get("p95") is not None]
        assert _points(charts["chart-p95-volume"].get(name)) == timed
    crossings = [t["x"][0] for t in charts["chart-cost-volume"].values() if t["name"].startswith("crossover at")]
    assert crossings == [c["requests_per_month"] for c in breakeven["crossovers"] if c["requests_per_month"]]
    assert crossings or kind != "breakeven", "the bundled trace has a cost crossover"


def test_the_candidate_chart_plots_the_candidates_and_the_pareto_frontier(recommend_run) -> None:
    document, page = recommend_run
    chart = next({t["name"]: t for t in c["traces"]} for c in page.charts if c["id"] == "chart-cost-p95")
    candidates = [c for c in document["candidates"] if c["latency_ms"]["p95"] is not None]
    for meets, name in ((True, "candidates that meet the SLA"), (False, "candidates that miss the SLA (open)")):
        assert _points(chart.get(name)) == [(c["latency_ms"]["p95"], c["monthly_cost_usd"]) for c in candidates
                                            if c["meets_sla"] is meets]
    frontier = [document["candidates"][i] for i in document["pareto"]]
    assert _points(chart["Pareto frontier (cost against p95)"]) == [
        (c["latency_ms"]["p95"], c["monthly_cost_usd"]) for c in frontier if c["latency_ms"]["p95"] is not None]
    pick = document["recommended"]
    assert _points(chart["recommended"]) == [(pick["latency_ms"]["p95"], pick["monthly_cost_usd"])]
    schedule = next(c for c in page.charts if c["id"] == "chart-schedule")["traces"][0]
    assert schedule["y"] == document["schedule"]["hours_utc"]
    cdfs = next(c for c in page.charts if c["id"] == "chart-latency-cdf")["traces"]
    for key, trace in zip(("current", "recommended"), cdfs, strict=True):
        cdf = document[key]["latency_cdf_ms"]
        assert _points(trace) == list(zip(cdf["ms"], cdf["quantiles"], strict=True))


def test_the_words_of_the_json_are_on_the_page(run) -> None:
    kind, document, page = run
    breakeven = document if kind == "breakeven" else document["breakeven"]
    for crossover in breakeven["crossovers"]:
        assert f"{crossover['requests_per_month']:,.0f} requests/month: {crossover['above']} becomes cheaper than " \
               f"{crossover['below']}" in page.text
    for values in breakeven["assumptions"].values():
        assert settings_text(values) in page.text
    if kind == "recommend":
        for missing in document["missing_evidence"]:
            assert missing["command"] in page.text and missing["why"] in page.text
        assert all(note in page.text for note in document["notes"])
        assert "No latency CDF" not in page.text


def _points(trace: dict[str, Any] | None) -> list[tuple[float, float]]:
    """A trace's points; none for a trace that is not drawn."""
    return [] if trace is None else list(zip(trace["x"], trace["y"], strict=True))


def _figure(document: dict[str, Any], source: dict[str, str]) -> tuple[Any, str | None]:
    """The JSON figure a cell's ``data-*`` attributes name, and why it is unavailable (break-even rows)."""
    if "candidate" in source:
        key = source["candidate"]
        root = document[key] if key in ("current", "recommended") else document["candidates"][int(key)]
        return _path(root, source["field"]), None
    if "hour" in source:
        return document["schedule"]["hours_utc"][int(source["hour"])], None
    if "measured" in source:
        return document["evidence"]["measured"][int(source["measured"])][source["field"]], None
    if "factor" in source:
        breakeven = document.get("breakeven") or document
        volume = next(v for v in breakeven["volumes"] if f"{v['factor']:g}" == source["factor"])
        if "platform" not in source:
            return volume[source["field"]], None
        row = next(p for p in volume["platforms"] if p["platform"] == source["platform"])
        return _path(row, source["field"]), row["unavailable"]
    return _path(document, source["field"]), None


def _path(root: dict[str, Any], field: str) -> Any:
    for part in field.split("."):
        root = root[part]
    return root


def _assert_shows(text: str, value: Any, *, unavailable: str | None = None) -> None:
    """``text`` is ``value`` at the precision shown: n/a where unavailable, inf for an unbounded latency,
    yes/no for a boolean, else a number within half a unit of its last digit (a share in percent, an
    amount "more than today" a negative saving)."""
    if unavailable is not None:
        assert text == "n/a", (text, value)
        return
    if value is None:
        assert text in ("inf", "n/a") or text.startswith("n/a "), text
        return
    if isinstance(value, bool):
        assert text == ("yes" if value else "no"), (text, value)
        return
    match = _NUMBER.match(text)
    assert match, text
    number, decimals = Decimal(match.group(1).replace(",", "")), len(match.group(2) or "")
    if text.endswith("more than today"):
        number = -number
    expected = Decimal(str(value)) * (100 if text.endswith("%") else 1)
    assert abs(number - expected) <= Decimal(5) / 10 ** (decimals + 1), (text, value)

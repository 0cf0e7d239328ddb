"""``advisor recommend`` end to end on real workspaces: the bundled Azure function imported, and the
same with a tuning's records beside it; the report's golden, the JSON schema, the same figures as
``advisor replay``, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.platform.aws_lambda import HOURS_PER_MONTH
from advisor.units import SECONDS_PER_HOUR

REPO = Path(__file__).resolve().parents[2]
#: A real function of the Azure 2019 trace (one day, 256 MB, no cold starts recorded).
TRACE = REPO / "traces" / "azure2019-543bec406831_inv.csv"
FUNCTION = "543bec406831"
CURVE = f"{REPO / 'tests' / 'tune' / 'plugin_target.py'}:CurveFunction"
#: docs/examples.md example 2: the classifier measured at four sizes, serving sparse real traffic.
SERVED = REPO / "traces" / "mlp-classifier-490f408b7641.csv"
SERVED_FUNCTION = "mlp-classifier-490f408b7641"
#: The keys of the plan's JSON object (RECOMMEND_PLAN.md, docs/recommend.md).
KEYS = {"function", "sla", "sla_basis", "region", "architecture", "evidence", "current", "recommended",
        "savings_usd_per_month", "candidates", "pareto", "schedule", "missing_evidence", "breakeven", "notes"}
CANDIDATE_KEYS = {"architecture", "memory_mb", "keep_warm", "monthly_cost_usd", "breakdown", "latency_ms",
                  "latency_upper_ms", "latency_cdf_ms", "cold_start_fraction", "meets_sla", "measured"}


def _json(result) -> dict:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def imported(cli):  # type: ignore[no-untyped-def]
    assert cli("import", "trace", str(TRACE)).exit_code == 0
    return cli


@pytest.fixture
def tuned(imported):  # type: ignore[no-untyped-def]
    """The bundled function with a tuning's records (a curve target, 192 MB out of memory)."""
    result = imported("tune", FUNCTION, "--target", CURVE, "--target-option", "fail_below_mb=200", "--memory",
                      "128..3008", "--sla", "p95=1500ms", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    return imported


def test_report_on_the_bundled_function_matches_golden(imported, golden) -> None:  # type: ignore[no-untyped-def]
    result = imported("recommend", FUNCTION, "--sla", "p95=40s")
    assert result.exit_code == 0, result.stderr
    golden("recommend.txt", result.stdout)


def test_json_is_the_plan_s_object_with_null_where_unknown(imported) -> None:  # type: ignore[no-untyped-def]
    doc = _json(imported("recommend", FUNCTION, "--sla", "p95=40s", "--json"))
    assert set(doc) == KEYS
    assert doc["sla_basis"] == "end-to-end" and doc["region"] == "us-east-1"
    assert doc["architecture"] is None  # the trace does not say it: null, not a guess
    assert doc["evidence"]["sources"] == {"tuning": None, "traffic": 3192, "powertuning": None}
    assert doc["evidence"]["measured"] == [{"architecture": "x86_64", "memory_mb": 256, "invocations": 3192,
                                           "source": "traffic"}]
    assert all(set(c) == CANDIDATE_KEYS for c in doc["candidates"])
    # one measured size: that size under the best setting of each strategy, cheapest first
    assert sorted(c["keep_warm"]["kind"] for c in doc["candidates"]) == ["none", "pings", "provisioned", "schedule"]
    costs = [c["monthly_cost_usd"] for c in doc["candidates"]]
    assert costs == sorted(costs)
    assert doc["recommended"] in doc["candidates"] and doc["current"]["keep_warm"]["kind"] == "none"
    assert doc["savings_usd_per_month"] == pytest.approx(
        doc["current"]["monthly_cost_usd"] - doc["recommended"]["monthly_cost_usd"])
    assert len(doc["schedule"]["hours_utc"]) == 24
    assert doc["breakeven"]["sla"] == "p95=40s" and doc["breakeven"]["volumes"]
    what = " ".join(m["what"] for m in doc["missing_evidence"])
    assert "other memory sizes" in what and "cold starts" in what and "arm64 not measured" in what
    assert all(m["command"].startswith("advisor ") for m in doc["missing_evidence"])


def test_the_recommendation_replays_to_the_same_cost_and_cold_starts(imported) -> None:  # type: ignore[no-untyped-def]
    """Two commands, same numbers: the recommended configuration replayed by ``advisor replay``."""
    doc = _json(imported("recommend", FUNCTION, "--sla", "p95=40s", "--platforms", "none", "--json"))
    for candidate in doc["candidates"]:
        options = candidate["keep_warm"]["replay_options"]
        replayed = _json(imported("replay", FUNCTION, "--memory", str(candidate["memory_mb"]), *options, "--json"))
        requests = doc["evidence"]["traffic_requests"]
        assert replayed["cold_starts"] == round(candidate["cold_start_fraction"] * requests)
        assert replayed["latency_ms"]["p95"] == pytest.approx(candidate["latency_ms"]["p95"], abs=1e-3)
        alive_s = replayed["instance_seconds"]["busy"] + replayed["instance_seconds"]["idle"]
        scale = HOURS_PER_MONTH * SECONDS_PER_HOUR * replayed["instances"]["mean"] / alive_s
        month = float(replayed["cost_usd"]["total_usd"]) * scale
        assert candidate["monthly_cost_usd"] == pytest.approx(month, rel=1e-3)


def test_with_a_tuning_every_size_is_scored_and_gaps_are_named(tuned) -> None:  # type: ignore[no-untyped-def]
    # p95=3s: the traffic's heavy-tailed 256 MB durations pool into the spread every size is scored with
    doc = _json(tuned("recommend", FUNCTION, "--sla", "p95=3s", "--platforms", "lambda", "--json"))
    assert doc["evidence"]["sources"]["tuning"] >= 9 and doc["evidence"]["sources"]["traffic"] == 3192
    sizes = {c["memory_mb"] for c in doc["candidates"]}
    measured = {m["memory_mb"] for m in doc["evidence"]["measured"]}
    assert len(sizes) > 3 and sizes - measured  # the model's sizes beside the measured ones
    assert all(c["measured"] == (c["memory_mb"] in measured) for c in doc["candidates"])
    for size in sizes:  # each size under the best setting of each strategy, not only the cheapest
        kinds = sorted(c["keep_warm"]["kind"] for c in doc["candidates"] if c["memory_mb"] == size)
        assert kinds == ["none", "pings", "provisioned", "schedule"]
    best = doc["recommended"]
    assert best["meets_sla"] and best["latency_upper_ms"]["p95"] <= 3000
    feasible = [c["monthly_cost_usd"] for c in doc["candidates"] if c["meets_sla"]]
    assert best["monthly_cost_usd"] == min(feasible)
    assert not doc["current"]["meets_sla"] and doc["current"]["memory_mb"] == 256  # today misses the SLA
    # the frontier: ascending cost, each point faster than every cheaper candidate
    frontier = [doc["candidates"][i] for i in doc["pareto"]]
    p95s = [c["latency_ms"]["p95"] for c in frontier]
    assert p95s == sorted(p95s, reverse=True) and len(set(p95s)) == len(p95s)
    assert not any("cold starts" in m["what"] for m in doc["missing_evidence"])  # the tuning measured some
    assert doc["breakeven"] is not None and all(p["platform"].startswith("lambda")
                                                for v in doc["breakeven"]["volumes"] for p in v["platforms"])


def test_recommend_and_tune_give_the_same_answer_on_the_same_measurements(imported) -> None:  # type: ignore[no-untyped-def]
    tune = _json(imported("tune", FUNCTION, "--target", CURVE, "--target-option", "fail_below_mb=200",
                          "--memory", "128..3008", "--sla", "p95=3s", "--yes", "--json"))
    doc = _json(imported("recommend", FUNCTION, "--sla", "p95=3s", "--platforms", "none", "--json"))
    best = doc["recommended"]
    # the tuner scores its own trials only; recommend pools the traffic's 256 MB with them, so the
    # two agree where the evidence is the same: every size the tuner measured is a candidate
    trial_sizes = {t["memory_mb"] for t in tune["tuning"]["trials"] if t["state"] == "complete"}
    assert trial_sizes <= {c["memory_mb"] for c in doc["candidates"]}
    assert best["meets_sla"]


def test_no_break_even_with_platforms_none(imported) -> None:  # type: ignore[no-untyped-def]
    doc = _json(imported("recommend", FUNCTION, "--sla", "p95=40s", "--platforms", "none", "--json"))
    assert doc["breakeven"] is None
    text = imported("recommend", FUNCTION, "--sla", "p95=40s", "--platforms", "none").stdout
    assert "break-even: n/a (--platforms none)" in text


def test_keep_warm_strategies_can_be_narrowed(imported) -> None:  # type: ignore[no-untyped-def]
    doc = _json(imported("recommend", FUNCTION, "--sla", "p95=40s", "--keep-warm", "none,pings", "--platforms",
                         "none", "--json"))
    assert {c["keep_warm"]["kind"] for c in doc["candidates"]} == {"none", "pings"}
    assert doc["schedule"] is None


@pytest.mark.parametrize(("args", "message"), [
    (("nosuch", "--sla", "p95=2s"), "error: function 'nosuch' is not in workspace"),
    ((FUNCTION, "--sla", "p95"), "--sla"),
    ((FUNCTION, "--sla", "p95=2s", "--platforms", "gpu"), "--platforms 'gpu' is not a platform family"),
    ((FUNCTION, "--sla", "p95=2s", "--keep-warm", "always"), "'always' is not known"),
    ((FUNCTION, "--sla", "p95=2s", "--since", "2030-01-01"), "has no imported invocations"),
    ((FUNCTION, "--sla", "p95=2s", "--region", "mars-1"), "no Lambda region 'mars-1'"),
])
def test_bad_input_gives_one_line_and_a_non_zero_exit(imported, args, message) -> None:  # type: ignore[no-untyped-def]
    result = imported("recommend", *args)
    assert result.exit_code != 0
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_an_empty_workspace_says_to_import_first(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("recommend", FUNCTION, "--sla", "p95=2s")
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "The workspace is empty: import logs first" in result.stderr


def test_the_workspace_s_own_prices_are_used(imported, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    import yaml

    from advisor.pricing._catalog import bundled_dir

    before = _json(imported("recommend", FUNCTION, "--sla", "p95=40s", "--platforms", "none", "--json"))
    document = yaml.safe_load((bundled_dir() / "aws-lambda.yaml").read_text())
    document["regions"] = {"us-east-1": document["regions"]["us-east-1"]}
    bundled = float(document["regions"]["us-east-1"]["requests"]["value"])
    document["regions"]["us-east-1"]["requests"]["value"] = str(bundled * 100)
    del document["settings"]
    (workspace / "pricing").mkdir(parents=True, exist_ok=True)
    (workspace / "pricing" / "aws-lambda.yaml").write_text(yaml.safe_dump(document))
    after = _json(imported("recommend", FUNCTION, "--sla", "p95=40s", "--platforms", "none", "--json"))
    assert after["current"]["breakdown"]["requests"] == pytest.approx(
        100 * before["current"]["breakdown"]["requests"], rel=1e-9)
    assert after["current"]["breakdown"]["compute"] == pytest.approx(before["current"]["breakdown"]["compute"])


def test_each_candidate_s_latency_cdf_holds_its_percentiles(imported) -> None:  # type: ignore[no-untyped-def]
    doc = _json(imported("recommend", FUNCTION, "--sla", "p95=40s", "--platforms", "none", "--json"))
    for candidate in doc["candidates"]:
        cdf = candidate["latency_cdf_ms"]
        points = dict(zip(cdf["quantiles"], cdf["ms"], strict=True))
        assert cdf["quantiles"] == sorted(cdf["quantiles"]) and cdf["ms"] == sorted(cdf["ms"])
        for share, name in ((0.5, "p50"), (0.95, "p95"), (0.99, "p99")):
            assert points[share] == pytest.approx(candidate["latency_ms"][name], abs=1e-3)


def _breakeven_matches_the_recommendation(doc: dict) -> None:
    """The break-even's first Lambda row at the real volume is the recommended candidate's month."""
    best = doc["recommended"]
    real = next(v for v in doc["breakeven"]["volumes"] if v["factor"] == 1.0)
    row = real["platforms"][0]
    assert row["platform"].startswith(f"lambda {best['memory_mb']:,} MB")
    assert doc["breakeven"]["assumptions"][row["platform"]]["architecture"] == best["architecture"]
    assert float(row["monthly_usd"]) == pytest.approx(best["monthly_cost_usd"], rel=1e-3)
    assert row["latency_ms"]["p95"] == pytest.approx(best["latency_ms"]["p95"], abs=1e-3)
    assert row["cold_fraction"] == pytest.approx(best["cold_start_fraction"], abs=1e-6)


def test_the_break_even_prices_the_recommended_keep_warm_on_the_bundled_function(imported) -> None:  # type: ignore[no-untyped-def]
    doc = _json(imported("recommend", FUNCTION, "--sla", "p95=40s", "--platforms", "lambda", "--volumes", "1,10",
                         "--json"))
    _breakeven_matches_the_recommendation(doc)


def test_the_break_even_prices_the_recommended_pings_on_the_served_classifier(cli) -> None:  # type: ignore[no-untyped-def]
    """docs/examples.md example 2: recommend's break-even once priced one provisioned instance
    ($5.50 a month) against the recommendation's pings (a cent and a half); now it prices the pings."""
    assert cli("import", "trace", str(SERVED), "--function", SERVED_FUNCTION).exit_code == 0
    doc = _json(cli("recommend", SERVED_FUNCTION, "--sla", "p99=500ms", "--platforms", "lambda", "--volumes", "1",
                    "--json"))
    assert doc["recommended"]["keep_warm"]["kind"] == "pings"
    _breakeven_matches_the_recommendation(doc)
    assert doc["breakeven"]["volumes"][0]["cheapest"] == doc["breakeven"]["volumes"][0]["platforms"][0]["platform"]

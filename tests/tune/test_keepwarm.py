"""The cheapest keep-warm setting: each strategy wins the traffic it is built for; costs add up."""

from __future__ import annotations

import math

import numpy as np
import pytest

from advisor.errors import UsageError
from advisor.pricing import PriceCatalog
from advisor.simulate.inputs import Trace
from advisor.sla import Sla
from advisor.tune.keepwarm import STRATEGIES, KeepWarm, cheapest_keep_warm, parse_strategies

SPARSE = [1 / 60] * 24  # a request a minute: idle gaps beyond the keep-alive are rare
DENSE = [1.0] * 24  # a request a second of 10 s each: about ten busy instances all day
DIURNAL = [1 / 300] * 8 + [1.0] * 10 + [1 / 300] * 6  # busy 08:00-18:00 UTC, nearly idle at night
RARE = [4 / 3600] * 24  # four requests an hour: most of them find no warm instance
CATALOG = PriceCatalog.bundled()


def _alone(choose, trace, strategies=STRATEGIES, **kwargs):
    """Each strategy's own choice, by name."""
    return {kind: choose(trace, strategies=(kind,), **kwargs) for kind in strategies}


def test_sparse_traffic_keeps_lambdas_own_keep_alive(choose, make_trace) -> None:
    trace = make_trace(SPARSE)
    setting = {"warm_ms": 300.0, "init_ms": 400.0, "sla": "p95=1s"}
    best = choose(trace, **setting)
    assert best.keep_warm == KeepWarm("none")
    assert best.feasible
    others = _alone(choose, trace, ("provisioned", "pings", "schedule"), **setting)
    assert all(best.monthly_cost_usd < other.monthly_cost_usd for other in others.values())


def test_dense_traffic_is_cheapest_on_provisioned_instances(choose, make_trace) -> None:
    trace = make_trace(DENSE)
    setting = {"warm_ms": 10_000.0, "init_ms": 3000.0, "sla": "p99=15s"}
    best = choose(trace, **setting)
    assert best.keep_warm.kind == "provisioned"
    assert best.feasible and best.keep_warm.provisioned >= 2
    alone = _alone(choose, trace, ("none", "pings"), **setting)
    # busy instances cost less at the provisioned rate, allocation included, than on demand
    assert best.monthly_cost_usd < alone["none"].monthly_cost_usd
    assert best.monthly_cost_usd < alone["pings"].monthly_cost_usd
    assert best.breakdown["provisioned"] > 0


def test_diurnal_traffic_is_cheapest_on_an_hourly_schedule(choose, make_trace) -> None:
    trace = make_trace(DIURNAL)
    setting = {"warm_ms": 10_000.0, "init_ms": 3000.0, "sla": "p99=15s"}
    best = choose(trace, **setting)
    constant = choose(trace, strategies=("provisioned",), **setting)
    assert best.keep_warm.kind == "schedule"
    assert best.feasible and constant.feasible
    assert best.monthly_cost_usd < constant.monthly_cost_usd
    schedule = best.keep_warm.schedule
    assert schedule is not None
    noon, night = schedule.count_at(12 * 3600), schedule.count_at(3 * 3600)
    assert noon > night


def test_sparse_traffic_with_a_tight_sla_and_a_long_init_is_kept_warm_by_pings(choose, make_trace) -> None:
    trace = make_trace(RARE)
    setting = {"warm_ms": 200.0, "init_ms": 5000.0, "sla": "p95=1s"}
    best = choose(trace, **setting)
    alone = _alone(choose, trace, **setting)
    assert best.keep_warm.kind == "pings"
    assert best.feasible and not alone["none"].feasible
    assert best.keep_warm.ping_interval_s is not None and best.keep_warm.ping_interval_s < 600
    assert best.breakdown["pings"] > 0
    assert best.monthly_cost_usd < min(alone[kind].monthly_cost_usd for kind in ("provisioned", "schedule"))
    # the pings' own cold starts and latencies are not the traffic's
    assert best.cold_start_fraction is not None and best.cold_start_fraction < alone["none"].cold_start_fraction


@pytest.mark.parametrize("kind", STRATEGIES)
def test_breakdown_sums_to_the_monthly_cost(choose, make_trace, kind) -> None:
    choice = choose(make_trace(RARE), warm_ms=200.0, init_ms=5000.0, sla="p95=1s", strategies=(kind,))
    assert set(choice.breakdown) == {"compute", "requests", "provisioned", "pings"}
    assert math.fsum(choice.breakdown.values()) == pytest.approx(choice.monthly_cost_usd, rel=1e-12)
    assert choice.monthly_cost_usd > 0
    if kind != "pings":
        assert choice.breakdown["pings"] == 0
    if kind in ("none", "pings"):
        assert choice.breakdown["provisioned"] == 0


def test_an_sla_nothing_meets_gives_the_closest_setting_marked_infeasible(choose, make_trace) -> None:
    trace = make_trace(RARE)
    setting = {"warm_ms": 200.0, "init_ms": 5000.0, "sla": "p95=210ms"}  # pessimistic warm time is 220 ms
    best = choose(trace, **setting)
    assert not best.feasible
    assert best.latency_upper_ms["p95"] is not None and best.latency_upper_ms["p95"] > 210
    alone = _alone(choose, trace, **setting)
    assert best.latency_upper_ms["p95"] == min(c.latency_upper_ms["p95"] for c in alone.values())


def test_figures_that_do_not_apply_to_a_setting_are_null(choose, make_trace) -> None:
    none = KeepWarm("none").to_dict()
    assert none["provisioned"] is None and none["schedule"] is None
    assert none["ping_interval_s"] is None and none["ping_concurrency"] is None
    assert none["replay_options"] == []
    pings = KeepWarm("pings", ping_interval_s=240.0, ping_concurrency=2).to_dict()
    assert pings["replay_options"] == ["--ping-every", "4m", "--ping-concurrency", "2"]
    assert pings["provisioned"] is None and pings["ping_concurrency"] == 2
    choice = choose(make_trace(SPARSE), warm_ms=300.0, init_ms=None, sla="p95=1s").to_dict()
    assert choice["latency_ms"]["p95"] == pytest.approx(300.0)
    assert set(choice["latency_ms"]) == {"p50", "p95", "p99"}


def test_sla_percentiles_are_reported_beside_p50_p95_p99(choose, make_trace) -> None:
    choice = choose(make_trace(SPARSE), warm_ms=300.0, init_ms=400.0, sla="p90=1s,p99.9=2s")
    assert set(choice.latency_ms) == {"p50", "p90", "p95", "p99", "p99.9"}


def test_settings_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(UsageError, match="does not fit"):
        KeepWarm("provisioned")
    with pytest.raises(UsageError, match="does not fit"):
        KeepWarm("none", provisioned=2)
    with pytest.raises(UsageError, match="'warm'"):
        KeepWarm("warm")


def _call(trace: Trace, **changes):
    n = len(trace)
    args = {"memory_mb": 1024, "architecture": "x86_64", "warm_ms": np.full(n, 100.0), "init_ms": None,
            "warm_ms_upper": np.full(n, 110.0), "init_ms_upper": None, "sla": Sla.parse("p95=1s"),
            "strategies": STRATEGIES, "catalog": CATALOG, "region": "us-east-1"}
    return cheapest_keep_warm(trace, **(args | changes))


@pytest.mark.parametrize(("changes", "message"), [
    ({"strategies": ("none", "always")}, "keep-warm strategy 'always' is not known"),
    ({"strategies": ()}, "no keep-warm strategy"),
    ({"warm_ms": np.array([100.0, np.nan, 3.0])}, "central warm-duration draws are not finite"),
    ({"init_ms_upper": np.array([-1.0])}, "pessimistic init-time draws are not finite"),
    ({"warm_ms_upper": np.zeros((2, 2))}, "non-empty list"),
    ({"memory_mb": 64}, "memory 64"),
    ({"architecture": "sparc"}, "architecture 'sparc'"),
])
def test_bad_arguments_get_a_message_naming_them(changes, message) -> None:
    trace = Trace("t", np.array([0.0, 60.0, 120.0]), np.full(3, np.nan))
    with pytest.raises(UsageError, match=message):
        _call(trace, **changes)


def test_traffic_without_a_time_span_is_refused() -> None:
    with pytest.raises(UsageError, match="fewer than two arrival times"):
        _call(Trace("one", np.array([5.0, 5.0]), np.full(2, np.nan)))


def test_draws_of_another_length_are_a_sample_each_request_draws_from(make_trace) -> None:
    trace = make_trace(SPARSE)
    sample = np.linspace(100.0, 300.0, 50)
    many = _call(trace, warm_ms=sample, warm_ms_upper=sample * 1.5, strategies=("none",))
    assert many.latency_ms["p50"] == pytest.approx(200.0, rel=0.05)
    # common random numbers: every request's pessimistic time is its central one x 1.5
    assert many.latency_upper_ms["p95"] == pytest.approx(1.5 * many.latency_ms["p95"], rel=1e-5)


def test_pairs_of_requests_far_apart_are_kept_warm_by_two_pings(choose) -> None:
    # a pair every 30 minutes, beyond any keep-alive, never at the instant of a ping round (a ping
    # there would take one of the two warm instances, and the pair's second request would be cold)
    starts = np.concatenate([[0.0], np.arange(1, 48) * 1800.0 + 7.0])
    arrivals = np.sort(np.concatenate([starts, starts + 0.001]))
    trace = Trace("pairs", arrivals, np.full(arrivals.shape[0], np.nan))
    best = choose(trace, warm_ms=100.0, init_ms=5000.0, sla="p95=1s", strategies=("pings",))
    assert best.feasible
    assert best.keep_warm.ping_concurrency == 2
    assert best.cold_start_fraction == 2 / arrivals.shape[0]  # only the first pair, before any ping


def test_the_keep_warm_option_names_strategies_in_any_order() -> None:
    assert parse_strategies("pings, NONE,schedule") == ("none", "pings", "schedule")
    assert parse_strategies("none,provisioned,schedule,pings") == STRATEGIES
    with pytest.raises(UsageError, match="--keep-warm 'warmers' is not known"):
        parse_strategies("none,warmers")
    with pytest.raises(UsageError, match="no --keep-warm was given"):
        parse_strategies(" , ")

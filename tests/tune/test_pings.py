"""Warm-up pings as extra arrivals: where they go, how often, and what they keep warm."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.platform.aws_lambda import OBSERVED_KEEP_ALIVE_S
from advisor.tune.pings import ping_interval_s, with_pings


@settings(max_examples=200, deadline=None)
@given(gaps=st.lists(st.sampled_from([0.0, 0.5, 30.0, 61.0, 240.0, 900.0]), min_size=0, max_size=60),
       interval=st.sampled_from([60.0, 240.0, 300.0]), concurrency=st.integers(1, 4))
def test_pings_are_merged_in_time_order_after_the_traffic_of_the_same_instant(gaps, interval, concurrency) -> None:
    arrivals = 1_700_000_000.0 + np.cumsum([0.0, *gaps])
    layout = with_pings(arrivals, interval, concurrency)
    merged = layout.arrivals_s
    rounds = int((arrivals[-1] - arrivals[0]) // interval) + 1
    assert layout.pings == rounds * concurrency
    assert merged.shape[0] == arrivals.shape[0] + layout.pings
    assert np.all(np.diff(merged) >= 0)
    assert np.array_equal(merged[layout.traffic_at], arrivals)
    assert np.array_equal(np.sort(np.concatenate([layout.traffic_at, layout.ping_at])), np.arange(merged.shape[0]))
    ping_times = merged[layout.ping_at]
    assert np.array_equal(np.unique(ping_times), arrivals[0] + interval * np.arange(rounds))
    for ping, at in zip(ping_times, layout.ping_at, strict=True):  # no traffic of that instant after it
        assert not np.any(merged[at + 1:][np.isin(np.arange(at + 1, merged.shape[0]), layout.traffic_at)] == ping)
    values = layout.merge(np.ones(arrivals.shape[0]), 2.0)
    assert values[layout.traffic_at].sum() == arrivals.shape[0] and np.all(values[layout.ping_at] == 2.0)


@given(keep_alive=st.floats(1.0, 3600.0))
def test_pings_come_before_the_shortest_keep_alive_lambda_is_seen_to_keep(keep_alive: float) -> None:
    interval = ping_interval_s(keep_alive)
    assert 0 < interval < min(keep_alive, OBSERVED_KEEP_ALIVE_S[0])


def test_the_default_interval_is_four_minutes() -> None:
    assert ping_interval_s(600.0) == 240.0


def test_pairs_of_requests_far_apart_are_kept_warm_by_two_pings(choose) -> None:
    from advisor.simulate.inputs import Trace

    # a pair every 30 minutes, beyond any keep-alive, never at the instant of a ping round (a ping
    # there would take one of the two warm instances, and the pair's second request would be cold)
    starts = np.concatenate([[0.0], np.arange(1, 48) * 1800.0 + 7.0])
    arrivals = np.sort(np.concatenate([starts, starts + 0.001]))
    trace = Trace("pairs", arrivals, np.full(arrivals.shape[0], np.nan))
    best = choose(trace, warm_ms=100.0, init_ms=5000.0, sla="p95=1s", strategies=("pings",))
    assert best.feasible
    assert best.keep_warm.ping_concurrency == 2
    assert best.cold_start_fraction == 2 / arrivals.shape[0]  # only the first pair, before any ping

"""Invariants of the replay, checked on generated traffic (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from advisor.simulate import ReplayConfig, replay

# Gaps and service times on a coarse grid, so that exact ties (a request ending when the next
# arrives, an instance expiring as one arrives) happen often.
gaps = st.lists(st.integers(0, 8).map(lambda k: k * 0.25), min_size=1, max_size=60)
services = st.integers(0, 12).map(lambda k: k * 250.0)
inits = st.sampled_from([0.0, 250.0, 1000.0])
rules = st.sampled_from(["mru", "lru", "newest", "oldest", "random"])


@st.composite
def traffic(draw):
    g = draw(gaps)
    svc = draw(st.lists(services, min_size=len(g), max_size=len(g)))
    return np.cumsum(g), np.array(svc, dtype=np.float64)


def peak_overlap(start: np.ndarray, end: np.ndarray) -> int:
    """Most requests in service at once, counted as each one starts: the earlier-started ones
    not yet finished (one finishing at t is done at t), plus itself."""
    return max((int(np.count_nonzero(end[:i] > start[i])) + 1 for i in range(start.shape[0])), default=0)


@given(traffic(), inits, rules)
def test_keep_alive_zero_makes_every_request_cold(data, init, rule) -> None:
    arrivals, service = data
    result = replay(arrivals, service, ReplayConfig(keep_alive_s=0, routing=rule), init_ms=init)
    assert result.cold.all()
    np.testing.assert_allclose(result.latency_ms, service + init)


@given(traffic(), inits, rules)
def test_infinite_keep_alive_cold_starts_equal_peak_concurrency(data, init, rule) -> None:
    arrivals, service = data
    result = replay(arrivals, service, ReplayConfig(keep_alive_s=math.inf, routing=rule), init_ms=init)
    finish = arrivals + result.latency_ms / 1000
    assert int(result.cold.sum()) == peak_overlap(arrivals, finish) == result.max_instances


def _colds(arrivals: np.ndarray, service: np.ndarray, init: float, keep_alive: float, provisioned: int) -> int:
    config = ReplayConfig(keep_alive_s=keep_alive, provisioned=provisioned)
    return int(replay(arrivals, service, config, init_ms=init).cold.sum())


@given(gaps, services.filter(lambda ms: ms > 0), inits, st.integers(0, 4))
def test_more_provisioned_instances_never_add_cold_starts(gap, service_ms, init, provisioned) -> None:
    # One service time for every request (a model's inference) and instances that never
    # expire: the property the issue names holds there (checked, not proven). With a finite
    # keep-alive or mixed service times it does not; see the next two tests.
    arrivals = np.cumsum(gap)
    service = np.full(arrivals.shape[0], service_ms)
    assert _colds(arrivals, service, init, math.inf, provisioned + 1) <= _colds(
        arrivals, service, init, math.inf, provisioned
    )


def test_with_a_finite_keep_alive_a_provisioned_instance_can_add_cold_starts() -> None:
    # Found by hypothesis (CI's fresh examples); worked by hand under DESIGN.md's rules, with
    # 1,750 ms per request, 250 ms init and a 2 s keep-alive. Without provisioning: A cold at 0
    # (busy to 2.0), B cold at 0.25 (to 2.25); A takes 2.0 (to 3.75), B (idle until 4.25, the
    # newest) takes 3.75 (to 5.5), A (idle until 5.75) takes 5.0, B takes 5.5, A takes 6.75:
    # 2 cold. With one provisioned instance, used first, it takes 0, 2.0 and 3.75, so B, cold
    # at 0.25, sits idle from 2.25 and expires at 4.25; 5.0 is cold (C, busy to 7.0), the
    # provisioned one takes 5.5 (to 7.25), and 6.75 is cold (D): 3 cold.
    arrivals = np.cumsum([0.0, 0.25, 1.75, 1.75, 1.25, 0.5, 1.25])
    service = np.full(arrivals.shape[0], 1750.0)
    assert _colds(arrivals, service, 250.0, 2.0, 0) == 2
    assert _colds(arrivals, service, 250.0, 2.0, 1) == 3


def test_with_mixed_service_times_a_provisioned_instance_can_add_a_cold_start() -> None:
    # Found by hypothesis; worked by hand under DESIGN.md's rules. Without provisioning the
    # five requests at t=0 are cold (ready at 1.0); the two 0 ms ones end at exactly 1.0, and
    # one freed instance serves all four 0 ms requests at t=1 (each ends as the next arrives):
    # 5 cold. With one provisioned instance it serves the two 0 ms requests at t=0 and then the
    # 1,250 ms one (busy until 1.25); the 250 ms ones are cold and end at 1.25; at t=1 every
    # instance is busy, so the four requests are cold: 2 + 4 = 6. Greedy assignment is not
    # monotone in the pool size.
    arrivals = np.array([0.0, 0, 0, 0, 0, 1, 1, 1, 1])
    service = np.array([0.0, 0, 1250, 250, 250, 0, 0, 0, 0])
    assert _colds(arrivals, service, 1000.0, 0.5, 0) == 5
    assert _colds(arrivals, service, 1000.0, 0.5, 1) == 6


@given(traffic(), inits, st.sampled_from(["mru", "newest"]), st.lists(st.integers(0, 40), min_size=2, max_size=4))
def test_cold_fraction_never_rises_with_keep_alive_for_mru_and_newest(data, init, rule, quarter_seconds) -> None:
    arrivals, service = data
    keep_alives = sorted(k * 0.25 for k in quarter_seconds)
    colds = [
        replay(arrivals, service, ReplayConfig(keep_alive_s=ka, routing=rule), init_ms=init).summary()["cold_fraction"]
        for ka in keep_alives
    ]
    assert colds == sorted(colds, reverse=True)


@given(traffic(), inits, rules, st.sampled_from([0.0, 1.0, 10.0]))
def test_queue_and_batch_paths_give_the_plain_result_at_concurrency_one(data, init, rule, keep_alive) -> None:
    arrivals, service = data
    plain = replay(arrivals, service, ReplayConfig(keep_alive_s=keep_alive, routing=rule), init_ms=init, seed=3)
    queued = replay(arrivals, service, ReplayConfig(keep_alive_s=keep_alive, routing=rule, on_limit="queue",
                                                    max_concurrency=10_000), init_ms=init, seed=3)
    batched = replay(arrivals, service, ReplayConfig(keep_alive_s=keep_alive, routing=rule, batch_size=1,
                                                     batch_wait_ms=500.0), init_ms=init, seed=3)
    for other in (queued, batched):
        np.testing.assert_array_equal(other.latency_ms, plain.latency_ms)
        np.testing.assert_array_equal(other.cold, plain.cold)
        np.testing.assert_array_equal(other.instance, plain.instance)
        assert other.summary() | {"sim_wall_seconds": 0} == plain.summary() | {"sim_wall_seconds": 0}


@given(traffic(), inits, st.integers(1, 3))
def test_queueing_never_loses_a_request_and_never_exceeds_the_limit(data, init, limit) -> None:
    arrivals, service = data
    config = ReplayConfig(keep_alive_s=5.0, max_concurrency=limit, on_limit="queue")
    result = replay(arrivals, service, config, init_ms=init)
    assert not result.throttled.any()
    assert result.max_instances <= limit
    assert (result.latency_ms >= service + np.where(result.cold, init, 0) - 1e-9).all()
    finish = arrivals + result.latency_ms / 1000
    start = finish - (service + np.where(result.cold, init, 0)) / 1000
    order = np.argsort(start, kind="stable")
    assert peak_overlap(start[order], finish[order]) <= limit

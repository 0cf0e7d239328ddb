"""The replay rules on small hand-checked cases (DESIGN.md, "Replay semantics")."""

from __future__ import annotations

from decimal import Decimal

import math

import numpy as np
import pytest

from advisor.errors import UsageError
from advisor.simulate import EmpiricalInit, ProvisionedSchedule, ReplayConfig, replay

ARRIVALS = np.array([0.0, 1.0, 2.0, 3.0, 10.0, 10.5, 100.0])
SERVICE = np.array([1500.0, 1500.0, 100.0, 100.0, 100.0, 100.0, 100.0])


def run(config: ReplayConfig, init: float = 250.0, catalog=None):  # type: ignore[no-untyped-def]
    return replay(ARRIVALS, SERVICE, config, init_ms=init, catalog=catalog)


def test_newest_routing_expiry_and_instance_seconds() -> None:
    result = run(ReplayConfig(keep_alive_s=5))
    assert result.latency_ms.tolist() == pytest.approx([1750.0, 1750.0, 100.0, 100.0, 350.0, 100.0, 350.0])
    assert result.cold.tolist() == [True, True, False, False, True, False, True]
    assert result.instance.tolist() == [0, 1, 0, 1, 2, 2, 3]  # t=3 goes to the newer of two idle
    summary = result.summary()
    assert summary["instance_seconds"] == pytest.approx({"busy": 4.5, "idle": 15.65, "provisioned": 0.0})
    assert summary["instances"] == {"max": 2, "mean": pytest.approx(20.15 / 100.35, abs=1e-6)}


def test_an_instance_expiring_exactly_at_an_arrival_is_gone() -> None:
    result = replay(np.array([0.0, 1.1]), np.array([100.0, 100.0]), ReplayConfig(keep_alive_s=1.0))
    assert result.cold.tolist() == [True, True]
    result = replay(np.array([0.0, 1.0999]), np.array([100.0, 100.0]), ReplayConfig(keep_alive_s=1.0))
    assert result.cold.tolist() == [True, False]


def test_provisioned_instances_are_used_first_and_never_cold() -> None:
    result = run(ReplayConfig(keep_alive_s=5, provisioned=1))
    assert result.cold.tolist() == [False, True, False, False, False, False, False]
    assert result.on_provisioned.tolist() == [True, False, True, True, True, True, True]
    assert result.summary()["instance_seconds"]["provisioned"] == pytest.approx(100.1)


def test_provisioned_schedule_starts_and_retires_instances() -> None:
    schedule = ProvisionedSchedule.parse("00:00-00:01=2")
    result = run(ReplayConfig(provisioned_schedule=schedule))
    assert result.cold.tolist() == [False] * 6 + [True]  # the two are gone at 60 s
    assert result.provisioned_s == pytest.approx(120.0)


def test_limit_rejects_or_queues() -> None:
    rejected = run(ReplayConfig(keep_alive_s=5, max_concurrency=1))
    assert rejected.throttled.tolist() == [False, True, False, False, False, False, False]
    assert math.isnan(rejected.latency_ms[1]) and rejected.instance[1] == -1
    queued = run(ReplayConfig(keep_alive_s=5, max_concurrency=1, on_limit="queue"))
    assert queued.latency_ms.tolist() == pytest.approx([1750.0, 2250.0, 1350.0, 450.0, 350.0, 100.0, 350.0])
    assert not queued.throttled.any()


def test_per_instance_concurrency_shares_one_instance() -> None:
    result = run(ReplayConfig(keep_alive_s=5, per_instance_concurrency=2))
    assert result.latency_ms.tolist() == pytest.approx([1750.0, 1500.0, 100.0, 100.0, 350.0, 100.0, 350.0])
    assert result.instance.tolist() == [0, 0, 0, 0, 1, 1, 2]


def test_a_request_joining_an_initialising_instance_waits_for_its_init() -> None:
    result = replay(np.array([0.0, 0.1]), np.array([100.0, 100.0]),
                    ReplayConfig(per_instance_concurrency=2), init_ms=1000.0)
    assert result.latency_ms.tolist() == pytest.approx([1100.0, 1000.0])
    assert result.cold.tolist() == [True, False]


def test_batches_close_when_full_or_after_the_wait() -> None:
    result = run(ReplayConfig(keep_alive_s=5, batch_size=2, batch_wait_ms=600))
    # {0} closes at 0.6; {10, 10.5} closes at 10.5 when full; service = the longest member's
    assert result.latency_ms.tolist() == pytest.approx([2350.0, 2350.0, 700.0, 700.0, 850.0, 350.0, 950.0])
    assert result.instance[4] == result.instance[5]


def test_max_lifetime_retires_instances() -> None:
    result = run(ReplayConfig(keep_alive_s=100, max_lifetime_s=5))
    assert result.cold.tolist() == [True, True, False, False, True, False, True]
    assert result.alive_s == pytest.approx(15.35)


def test_empirical_init_is_drawn_with_the_seed() -> None:
    arrivals, service = np.arange(50.0) * 100, np.full(50, 10.0)
    init = EmpiricalInit(np.array([100.0, 900.0]))
    first = replay(arrivals, service, ReplayConfig(keep_alive_s=1), init_ms=init, seed=4)
    again = replay(arrivals, service, ReplayConfig(keep_alive_s=1), init_ms=init, seed=4)
    assert first.cold.all()
    assert set(np.round(first.latency_ms, 6).tolist()) == {110.0, 910.0}
    np.testing.assert_array_equal(first.latency_ms, again.latency_ms)


def test_meets_counts_throttled_requests_as_violations() -> None:
    rejected = run(ReplayConfig(keep_alive_s=5, max_concurrency=1))
    assert rejected.meets(50, 400.0)
    assert not rejected.meets(90, 400.0)


def test_cost_goes_through_the_pricing_engine() -> None:
    from advisor.pricing import PriceCatalog, lambda_records_cost

    catalog = PriceCatalog.bundled()
    result = run(ReplayConfig(keep_alive_s=5, memory_mb=1024), catalog=catalog)
    # 1750 + 1750 + 100 + 100 + 350 + 100 + 350 ms at 1 GB, as the pricing engine bills them
    expected = lambda_records_cost([1750, 1750, 100, 100, 350, 100, 350], 1024, catalog=catalog)
    assert expected.compute_usd == Decimal("4.5") * Decimal("0.0000166667")
    assert result.cost == expected
    assert result.summary()["cost_usd"] == expected.to_json()
    unpriced = run(ReplayConfig(keep_alive_s=5), catalog=catalog)
    assert unpriced.cost is None and unpriced.cost_note == "n/a: the memory size is unknown; give --memory"
    assert run(ReplayConfig(keep_alive_s=5, memory_mb=1024)).cost is None  # no catalog, no price


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"keep_alive_s": -1}, "keep-alive -1"),
        ({"routing": "fastest"}, "'fastest'"),
        ({"per_instance_concurrency": 0}, "per-instance-concurrency 0"),
        ({"max_concurrency": 2, "provisioned": 3}, "provisioned 3"),
        ({"on_limit": "drop"}, "'drop'"),
    ],
)
def test_bad_configuration_values_are_named(kwargs: dict, named: str) -> None:
    with pytest.raises(UsageError, match=named):
        ReplayConfig(**kwargs)


def test_unsorted_arrivals_are_refused() -> None:
    with pytest.raises(UsageError, match="request 1"):
        replay(np.array([2.0, 1.0]), np.array([1.0, 1.0]))


@pytest.mark.parametrize("spec", ["8-20=5", "08:00-20:00=5,else", "08:00-20:00=5,10:00-11:00=1", "25:00-26:00=1"])
def test_bad_schedules_are_named(spec: str) -> None:
    with pytest.raises(UsageError, match="provisioned schedule"):
        ProvisionedSchedule.parse(spec)


def test_schedule_wraps_midnight() -> None:
    schedule = ProvisionedSchedule.parse("22:00-06:00=2,else=1")
    assert [schedule.count_at(h * 3600) for h in (0, 5, 6, 12, 22, 23)] == [2, 2, 1, 1, 2, 2]
    times, counts = schedule.change_points(0.0, 86_400.0)
    assert times.tolist() == [0.0, 21_600.0, 79_200.0] and counts.tolist() == [2, 1, 2]


def test_a_pool_larger_than_the_initial_slots_is_replayed_whole() -> None:
    n = 10_000  # all at once: more instances than the kernel's first allocation
    result = replay(np.zeros(n), np.full(n, 1000.0), ReplayConfig(keep_alive_s=60))
    assert int(result.cold.sum()) == result.max_instances == n
    shared = replay(np.concatenate([np.zeros(n), np.full(n, 5.0)]), np.full(2 * n, 1000.0),
                    ReplayConfig(keep_alive_s=60, per_instance_concurrency=3))
    assert int(shared.cold.sum()) == shared.max_instances == 3334


def test_an_empty_trace_has_an_empty_summary() -> None:
    summary = replay(np.array([]), np.array([])).summary()
    assert summary["requests"] == summary["cold_starts"] == summary["instances"]["max"] == 0
    assert summary["latency_ms"]["p99"] is None

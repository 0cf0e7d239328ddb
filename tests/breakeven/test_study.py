"""The study: winners per volume, crossovers where a hand computation puts them, cost monotonic in volume."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from advisor.breakeven import DedicatedModel, GpuTimes, LambdaModel, PlatformResult, Service, at_volume, breakeven
from advisor.breakeven._base import MONTH_S
from advisor.breakeven.study import COST, SLA, crossovers
from advisor.errors import UsageError
from advisor.platform.aws_lambda import HOURS_PER_MONTH
from advisor.pricing import PriceCatalog
from advisor.pricing.instances import instance
from advisor.pricing.lambda_ import prices
from advisor.simulate.pings import Pings
from advisor.sla import Sla
from advisor.tune.keepwarm import KeepWarm
from advisor.units import MB_MS_PER_GB_S, REQUESTS_PER_MILLION

from .conftest import steady_trace

MEMORY_MB, DURATION_MS, INSTANCE = 1024, 100, "g4dn.xlarge"


def test_always_on_instance_against_per_request_pricing_crosses_at_hourly_price_over_request_cost(
        catalog: PriceCatalog) -> None:
    # Lambda without cold starts costs the same for every request; one always-on replica costs the
    # same every month: they cross at (hourly price x hours per month) / (cost of one request).
    region, arch = prices(catalog)
    per_request = (Decimal(DURATION_MS * MEMORY_MB) / MB_MS_PER_GB_S * arch.duration.value
                   + region.requests.value / REQUESTS_PER_MILLION)
    monthly_instance = instance(INSTANCE, catalog=catalog).hourly.value * HOURS_PER_MONTH
    expected = float(monthly_instance / per_request)

    trace = steady_trace(3600, duration_ms=DURATION_MS, memory_mb=MEMORY_MB)
    models = [LambdaModel(catalog, memory_mb=MEMORY_MB), DedicatedModel(catalog, INSTANCE)]
    service = Service(gpu=GpuTimes.parse("1:2"), init_ms=0.0)
    study = breakeven(trace, models, service, Sla.parse("p95=1s"), factors=(16, 32, 64, 128))

    assert [study.winner(f).platform for f in study.results] == ["lambda 1,024 MB"] * 3 + [INSTANCE]
    (crossover,) = study.crossovers
    assert (crossover.below, crossover.above, crossover.reason) == ("lambda 1,024 MB", INSTANCE, COST)
    assert (crossover.low_factor, crossover.high_factor) == (64, 128)
    assert crossover.requests_per_month == pytest.approx(expected, rel=1e-9)
    lambda_row = study.results[16][0]
    monthly = per_request * 16 * 3600 * Decimal(MONTH_S / 3599)
    assert lambda_row.monthly_usd == pytest.approx(monthly, rel=Decimal("1e-9"))


def _row(name: str, usd: float | None, meets: bool | None, volume: float) -> PlatformResult:
    return PlatformResult(name, volume, None if usd is None else Decimal(str(usd)), meets_sla=meets)


def test_a_change_the_sla_decides_has_no_equal_cost_volume() -> None:
    results = {
        1.0: [_row("a", 10, True, 1e6), _row("b", 100, True, 1e6)],
        10.0: [_row("a", 100, False, 1e7), _row("b", 100, True, 1e7)],
        100.0: [_row("a", 1000, False, 1e8), _row("b", 200, False, 1e8)],
    }
    first, second = crossovers(results)
    assert (first.below, first.above, first.reason, first.requests_per_month) == ("a", "b", SLA, None)
    assert (second.below, second.above, second.reason) == ("b", None, SLA)


def test_unpriced_platforms_never_win() -> None:
    results = {1.0: [_row("gpu", None, None, 1e6), _row("a", 50, True, 1e6)],
               2.0: [_row("gpu", None, None, 2e6), _row("a", 100, True, 2e6)]}
    assert crossovers(results) == []


@settings(max_examples=15)
@given(gaps=st.lists(st.floats(0.01, 900.0), min_size=2, max_size=60),
       low=st.floats(0.2, 4.0), extra=st.floats(0.0, 4.0), seed=st.integers(0, 1000))
def test_cost_does_not_fall_as_the_volume_grows(gaps: list[float], low: float, extra: float, seed: int) -> None:
    # Holds where a request never saves another's cost: Lambda without init time (a request that
    # keeps an instance warm can save a billed cold start, so with init it need not hold), and an
    # autoscaled fleet whose replicas follow the hourly rate.
    import numpy as np

    catalog = PriceCatalog.bundled()
    trace = steady_trace(len(gaps) + 1)
    trace.arrivals_s = np.concatenate([[0.0], np.cumsum(gaps)])
    try:
        small_workload = at_volume(trace, low, seed=seed)
    except UsageError:  # thinned to no request at all
        assume(False)
    service = Service(gpu=GpuTimes.parse("1:30,8:120"), init_ms=0.0, batch=8, batch_wait_ms=20)
    sla = Sla.parse("p95=2s")
    for model in (LambdaModel(catalog, memory_mb=MEMORY_MB), DedicatedModel(catalog, "g5.xlarge", min_replicas=0)):
        small = model.evaluate(small_workload, service, sla)
        large = model.evaluate(at_volume(trace, low + extra, seed=seed), service, sla)
        assert small.monthly_usd is not None and large.monthly_usd is not None
        assert small.monthly_usd <= large.monthly_usd


def test_an_hourly_replica_schedule_adds_exactly_its_replica_hours(catalog: PriceCatalog) -> None:
    from advisor.simulate import ProvisionedSchedule

    # two days of one request a minute: one replica serves it all; the schedule asks two from 08:00 to 20:00 UTC
    trace = steady_trace(2 * 24 * 60, every_s=60.0)
    service = Service(gpu=GpuTimes.parse("1:20"))
    schedule = ProvisionedSchedule.parse("08:00-20:00=2,else=1")
    plain = DedicatedModel(catalog, INSTANCE)
    scheduled = DedicatedModel(catalog, INSTANCE, schedule=schedule)
    workload = at_volume(trace, 1.0)
    _, counts = scheduled.replicas(workload, service)
    assert list(counts[:24]) == [1] * 8 + [2] * 12 + [1] * 4
    extra_hours = 2 * 12
    hourly = instance(INSTANCE, catalog=catalog).hourly.value
    difference = (scheduled.evaluate(workload, service, Sla.parse("p95=1s")).period_usd
                  - plain.evaluate(workload, service, Sla.parse("p95=1s")).period_usd)
    assert difference == pytest.approx(hourly * extra_hours, rel=Decimal("1e-9"))
    assert scheduled.assumptions()["replica_schedule"] == "08:00-20:00=2,else=1"
    assert ProvisionedSchedule.parse(schedule.spec()) == schedule


def test_warm_up_pings_are_the_same_at_every_volume(catalog: PriceCatalog) -> None:
    # without init, a request costs the same warm or cold: what the pings add is their own cost,
    # the same clock of pings over the same span at every volume
    trace = steady_trace(600, every_s=10.0, duration_ms=DURATION_MS, memory_mb=MEMORY_MB)
    pings = KeepWarm.of(pings=Pings(240.0, 2))
    models = [LambdaModel(catalog, memory_mb=MEMORY_MB), LambdaModel(catalog, memory_mb=MEMORY_MB, keep_warm=pings)]
    study = breakeven(trace, models, Service(), Sla.parse("p95=2s"), factors=(1, 10, 30))
    added = [rows[1].monthly_usd - rows[0].monthly_usd for rows in study.results.values()]  # type: ignore[operator]
    assert added[0] > 0
    assert added == pytest.approx([added[0]] * 3, abs=Decimal("1e-8"))
    assert study.assumptions["lambda 1,024 MB pings 2/4m"]["pings"] == "2 every 4m"

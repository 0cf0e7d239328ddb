"""Invariants of the keep-warm search: a looser SLA or more strategies never cost more."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.pricing import PriceCatalog
from advisor.simulate.inputs import Trace
from advisor.sla import Objective, Sla
from advisor.tune.keepwarm import STRATEGIES, KeepWarmChoice, _first, cheapest_keep_warm
from advisor.units import SECONDS_PER_HOUR

CATALOG = PriceCatalog.bundled()
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cases(draw: st.DrawFn) -> dict:
    """Bursty traffic over a few hours, draws and an SLA that binds or not."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    hours = draw(st.integers(2, 6))
    rates = rng.choice([1 / 900, 1 / 120, 1 / 20, 1 / 4], size=hours)  # per second, by hour
    bursts = [rng.uniform(0, SECONDS_PER_HOUR, rng.poisson(rate * SECONDS_PER_HOUR)) + h * SECONDS_PER_HOUR
              for h, rate in enumerate(rates)]
    arrivals = np.sort(np.concatenate([*bursts, [0.0, hours * SECONDS_PER_HOUR]]))
    warm = draw(st.sampled_from([50.0, 400.0, 3000.0]))
    return {
        "trace": Trace("bursty", arrivals + 1_700_000_000.0, np.full(arrivals.shape[0], np.nan)),
        "warm": rng.lognormal(np.log(warm), 0.3, 200),
        "init": rng.lognormal(np.log(draw(st.sampled_from([200.0, 2000.0, 8000.0]))), 0.3, 50),
        "spread": draw(st.floats(1.0, 1.3)),
        "objective": Objective(draw(st.sampled_from([50.0, 90.0, 95.0, 99.0])),
                               warm * draw(st.floats(0.9, 6.0))),
        "memory_mb": draw(st.sampled_from([128, 1024, 3008])),
    }


def _choose(case: dict, objective: Objective, strategies: tuple[str, ...]) -> KeepWarmChoice:
    return cheapest_keep_warm(
        case["trace"], memory_mb=case["memory_mb"], architecture="arm64", warm_ms=case["warm"], init_ms=case["init"],
        warm_ms_upper=case["warm"] * case["spread"], init_ms_upper=case["init"] * case["spread"],
        sla=Sla((objective,)), strategies=strategies, catalog=CATALOG, region="us-east-1", seed=7)


def _no_dearer(better: KeepWarmChoice, worse: KeepWarmChoice) -> None:
    """``better`` is at least as good: feasible where ``worse`` is, and no dearer then."""
    if worse.feasible:
        assert better.feasible
        assert better.monthly_cost_usd <= worse.monthly_cost_usd * (1 + 1e-12)


@PROPERTY
@given(case=cases(), looser=st.floats(1.0, 4.0))
def test_a_looser_sla_never_costs_more(case: dict, looser: float) -> None:
    tight = case["objective"]
    loose = Objective(tight.percentile, tight.limit_ms * looser)
    _no_dearer(_choose(case, loose, STRATEGIES), _choose(case, tight, STRATEGIES))


@PROPERTY
@given(case=cases(), chosen=st.lists(st.sampled_from(STRATEGIES), min_size=1, unique=True),
       added=st.lists(st.sampled_from(STRATEGIES), min_size=1, unique=True))
def test_more_strategies_never_cost_more(case: dict, chosen: list[str], added: list[str]) -> None:
    fewer = _choose(case, case["objective"], tuple(chosen))
    more = _choose(case, case["objective"], tuple({*chosen, *added}))
    _no_dearer(more, fewer)


@given(low=st.integers(0, 5), width=st.integers(0, 200), threshold=st.integers(0, 210))
def test_the_galloping_search_finds_the_least_count_that_holds(low: int, width: int, threshold: int) -> None:
    high = low + width
    asked: list[int] = []

    def holds(n: int) -> bool:
        asked.append(n)
        return n >= threshold

    assert _first(low, high, holds) == min(max(threshold, low), high)
    assert all(low <= n < high for n in asked)
    assert len(asked) <= 2 * max(width, 1).bit_length() + 2

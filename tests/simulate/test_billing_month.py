"""A replay priced as a month: its period scaled to 730 hours, at the catalog's tiers."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.errors import UsageError
from advisor.platform.aws_lambda import HOURS_PER_MONTH
from advisor.pricing import PriceCatalog
from advisor.simulate import ReplayConfig
from advisor.simulate.billing import replay_cost
from advisor.units import SECONDS_PER_HOUR

CATALOG = PriceCatalog.bundled()
MONTH_S = HOURS_PER_MONTH * SECONDS_PER_HOUR


def _month(n: int, held_ms: float, period_s: float, *, memory_mb: int = 512, provisioned_s: float = 0.0,
           on_provisioned: bool = False):
    config = ReplayConfig(memory_mb=memory_mb)
    cost, why = replay_cost(config, np.zeros(n, bool), np.full(n, on_provisioned), np.full(n, held_ms),
                            provisioned_s, CATALOG, month_of_s=period_s)
    assert cost is not None, why
    return cost


def test_awss_own_example_without_the_free_tier() -> None:
    # 512 MB, 3 million requests a month of 1 s: 1.5 M GB-s x $0.0000166667 + 3 x $0.20
    cost = _month(3000, 1000.0, MONTH_S / 1000)
    assert float(cost.compute_usd) == pytest.approx(25.00005, rel=1e-9)
    assert float(cost.requests_usd) == pytest.approx(0.60, rel=1e-9)
    assert cost.provisioned_usd == 0


def test_a_month_beyond_the_first_tier_costs_less_per_gb_second() -> None:
    small = _month(100, 1000.0, MONTH_S / 1000, memory_mb=10240)
    huge = _month(100, 1000.0, MONTH_S / 1e7, memory_mb=10240)  # 10^4 times the volume: 1e10 GB-s
    assert huge.compute_usd < small.compute_usd * 10_000


def test_provisioned_all_the_period_is_provisioned_all_month() -> None:
    period = 86_400.0
    cost = _month(10, 100.0, period, memory_mb=1024, provisioned_s=2 * period, on_provisioned=True)
    rate = 0.0000041667  # us-east-1 x86_64 provisioned concurrency, USD per GB-s
    assert float(cost.provisioned_usd) == pytest.approx(2 * MONTH_S * rate, rel=1e-4)
    on_demand = _month(10, 100.0, period, memory_mb=1024)
    assert cost.compute_usd < on_demand.compute_usd  # duration on provisioned instances at its own rate


def test_a_month_needs_a_period() -> None:
    with pytest.raises(UsageError, match=r"period of 0\.0 s"):
        _month(3, 10.0, 0.0)

"""Traffic and a keep-warm search with constant draws, shared by the keep-warm tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

from advisor.pricing import PriceCatalog
from advisor.simulate.inputs import Trace
from advisor.sla import Sla
from advisor.tune.keepwarm import STRATEGIES, KeepWarmChoice, cheapest_keep_warm
from advisor.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

CATALOG = PriceCatalog.bundled()


def hourly_trace(rates_per_s: Sequence[float], *, days: int = 1, seed: int = 0) -> Trace:
    """Poisson arrivals whose rate follows ``rates_per_s`` (one per UTC hour, 24 of them), for ``days``."""
    rng = np.random.default_rng(seed)
    parts = []
    for day in range(days):
        for hour, rate in enumerate(rates_per_s):
            start = day * SECONDS_PER_DAY + hour * SECONDS_PER_HOUR
            parts.append(start + rng.uniform(0, SECONDS_PER_HOUR, rng.poisson(rate * SECONDS_PER_HOUR)))
    arrivals = np.sort(np.concatenate(parts))
    return Trace("hourly", arrivals, np.full(arrivals.shape[0], np.nan))


@pytest.fixture
def make_trace() -> Callable[..., Trace]:
    return hourly_trace


@pytest.fixture
def choose() -> Callable[..., KeepWarmChoice]:
    """``choose(trace, warm_ms=, init_ms=, sla=)``: the keep-warm search with constant draws, the
    pessimistic ones ``spread`` times the central ones."""

    def run(trace: Trace, *, warm_ms: float, init_ms: float | None, sla: str,
            strategies: Sequence[str] = STRATEGIES, memory_mb: int = 1024, spread: float = 1.1) -> KeepWarmChoice:
        n = len(trace)
        init = None if init_ms is None else np.full(n, init_ms)
        return cheapest_keep_warm(
            trace, memory_mb=memory_mb, architecture="x86_64", warm_ms=np.full(n, warm_ms), init_ms=init,
            warm_ms_upper=np.full(n, warm_ms * spread), init_ms_upper=None if init is None else init * spread,
            sla=Sla.parse(sla), strategies=strategies, catalog=CATALOG, region="us-east-1")

    return run

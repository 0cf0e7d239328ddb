"""Fixtures of the tuner's tests: traffic and a keep-warm search with constant draws (the keep-warm
tests), and the PostgreSQL server that several tuning workers share."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import pytest

from advisor.pricing import PriceCatalog
from advisor.simulate.inputs import Trace
from advisor.sla import Sla
from advisor.tune.keepwarm import STRATEGIES, KeepWarmChoice, cheapest_keep_warm
from advisor.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

CATALOG = PriceCatalog.bundled()
#: Set by ``scripts/test.sh``, which starts a throwaway PostgreSQL server (scripts/postgres.sh).
POSTGRES_URL_VARIABLE = "ADVISOR_TEST_POSTGRES_URL"


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


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The SQLAlchemy URL of the test PostgreSQL server's database."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.fail(f"{POSTGRES_URL_VARIABLE} is not set: these tests need a PostgreSQL server. Run them "
                    "through `bash scripts/test.sh` (it starts one), or set the variable to a database URL.",
                    pytrace=False)
    return url


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """A new, empty database on the test server (no Optuna tables yet), dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(postgres_url)
    name = f"advisor_{uuid.uuid4().hex[:12]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')

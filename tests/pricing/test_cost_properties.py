"""Invariants of the cost engine, checked with hypothesis."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from advisor.pricing import instance_cost, lambda_month_cost, lambda_records_cost, serverless_gpu_cost
from advisor.pricing.money import round_cents

from advisor.pricing import PriceCatalog

CATALOG = PriceCatalog.bundled()

ARCHES = st.sampled_from(["x86_64", "arm64"])
REGIONS = st.sampled_from(["us-east-1", "eu-central-1", "af-south-1", "ap-east-1", "sa-east-1"])
MEMORY = st.integers(min_value=128, max_value=10240)
DURATION = st.integers(min_value=0, max_value=900_000)
RECORDS = st.lists(st.tuples(DURATION, MEMORY), min_size=1, max_size=60)


@given(DURATION, st.integers(min_value=0, max_value=10_000), MEMORY, st.integers(0, 9216), ARCHES, REGIONS)
def test_cost_never_decreases_when_duration_or_memory_grow(
    duration: int, more_ms: int, memory: int, more_mb: int, arch: str, region: str
) -> None:
    base = lambda_records_cost(duration, memory, arch=arch, region=region, catalog=CATALOG).total_usd
    longer = lambda_records_cost(duration + more_ms, memory, arch=arch, region=region, catalog=CATALOG).total_usd
    bigger = lambda_records_cost(duration, min(memory + more_mb, 10240), arch=arch, region=region, catalog=CATALOG).total_usd
    assert longer >= base and bigger >= base


@given(
    st.integers(0, 30_000_000_000), st.integers(0, 5_000_000_000), st.integers(0, 10**10), st.integers(0, 10**9),
    ARCHES, st.booleans(),
)
def test_month_cost_never_decreases_when_usage_or_invocations_grow(
    gb_s: int, more_gb_s: int, requests: int, more_requests: int, arch: str, free_tier: bool
) -> None:
    base = lambda_month_cost(gb_s, requests, arch=arch, free_tier=free_tier, catalog=CATALOG)
    grown = lambda_month_cost(gb_s + more_gb_s, requests + more_requests, arch=arch, free_tier=free_tier, catalog=CATALOG)
    assert grown.compute_usd >= base.compute_usd
    assert grown.requests_usd >= base.requests_usd


@given(RECORDS, ARCHES, REGIONS)
def test_records_priced_one_by_one_or_in_bulk_agree(records: list[tuple[int, int]], arch: str, region: str) -> None:
    durations, memories = zip(*records)
    bulk = lambda_records_cost(list(durations), list(memories), arch=arch, region=region, catalog=CATALOG)
    singles = [lambda_records_cost(d, m, arch=arch, region=region, catalog=CATALOG) for d, m in records]
    one_by_one = sum((c.total_usd for c in singles), Decimal(0))
    assert round_cents(one_by_one) == round_cents(bulk.total_usd)
    assert one_by_one == bulk.total_usd  # exact, not merely to the cent


@given(RECORDS, ARCHES)
def test_every_invocation_costs_something_and_nothing_costs_nothing(records: list[tuple[int, int]], arch: str) -> None:
    durations, memories = zip(*records)
    assert lambda_records_cost(list(durations), list(memories), arch=arch, catalog=CATALOG).total_usd > 0
    assert lambda_records_cost([], 1024, arch=arch, catalog=CATALOG).total_usd == 0
    assert lambda_month_cost(0, 0, arch=arch, catalog=CATALOG).total_usd == 0


@given(st.floats(min_value=0.001, max_value=1e5, allow_nan=False), st.floats(min_value=0, max_value=1e4))
def test_gpu_time_is_never_free_and_grows_with_busy_time(busy: float, extra: float) -> None:
    assert serverless_gpu_cost("modal", "H100", busy_seconds=busy, catalog=CATALOG) > 0
    assert serverless_gpu_cost("modal", "H100", busy_seconds=busy + extra, catalog=CATALOG) >= serverless_gpu_cost(
        "modal", "H100", busy_seconds=busy
    , catalog=CATALOG)
    assert instance_cost("g5.xlarge", busy + extra, catalog=CATALOG) >= instance_cost("g5.xlarge", busy, catalog=CATALOG) > 0

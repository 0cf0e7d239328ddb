"""The search space, the settings' checks, the payload cycle and the dry-run plan."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.errors import UsageError
from advisor.pricing import PriceCatalog
from advisor.sla import Sla
from advisor.tune import Budgets, MemorySpace, SearchSpace, TuneSettings, parse_architectures
from advisor.tune.plan import plan
from advisor.tune.settings import weighted_cycle


def test_a_range_and_a_list_are_read() -> None:
    assert MemorySpace.parse("128..10240") == MemorySpace(128, 10240)
    assert MemorySpace.parse("1024, 512,1769") == MemorySpace(512, 1769, (512, 1024, 1769))
    assert MemorySpace.parse("512..512").grid().tolist() == [512]


@pytest.mark.parametrize("text, words", [("64..1024", "128"), ("1024..512", "smaller size first"),
                                         ("abc", "not a memory size"), ("512,20000", "10"), (",", "no memory")])
def test_a_bad_memory_option_is_one_clear_message(text: str, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        MemorySpace.parse(text)


@given(st.integers(128, 10240), st.integers(0, 10112))
def test_the_initial_design_lies_in_the_space_and_is_distinct(low: int, width: int) -> None:
    space = MemorySpace(low, min(low + width, 10240))
    first = space.initial()
    assert len(first) == len(set(first)) >= 1
    assert all(space.contains(m) for m in first)
    assert len(first) == min(3, len(space.grid()))


def test_architectures_are_checked() -> None:
    assert parse_architectures("x86_64,arm64") == ("x86_64", "arm64")
    with pytest.raises(UsageError, match="not a Lambda architecture"):
        parse_architectures("riscv")
    with pytest.raises(UsageError, match="twice"):
        SearchSpace(MemorySpace.full(), ("arm64", "arm64"))


def test_settings_refuse_what_cannot_run() -> None:
    sla = Sla.parse("p95=1s")
    with pytest.raises(UsageError, match="sampler"):
        TuneSettings("f", sla, sampler="random")
    with pytest.raises(UsageError, match="keep-warm"):
        TuneSettings("f", sla, keep_warm=("cron",))
    with pytest.raises(UsageError, match="weight"):
        TuneSettings("f", sla, payloads=(({}, 0.0),))


@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.integers(0, 7))
def test_payloads_are_cycled_in_proportion_to_their_weights(weights: list[int], start: int) -> None:
    payloads = [(i, float(w)) for i, w in enumerate(weights)]
    rounds = 3 * sum(weights)
    sent = Counter(weighted_cycle(payloads, rounds))
    assert all(sent[i] == 3 * w for i, w in enumerate(weights))
    whole = weighted_cycle(payloads, start + 5)
    assert weighted_cycle(payloads, 5, start=start) == whole[start:]


def test_the_dry_run_plan_names_the_first_sizes_budget_and_cost() -> None:
    settings = TuneSettings("f", Sla.parse("p95=1s"), budgets=Budgets(invocations=20))
    unknown = plan(settings, catalog=PriceCatalog.bundled())
    assert [m for _, m in unknown.first_sizes] == list(MemorySpace.full().initial())
    assert unknown.estimated_cost_usd > 0 and "guess" in unknown.duration_basis
    known = plan(settings, catalog=PriceCatalog.bundled(), known_duration_ms=100.0, known_memory_mb=1024)
    assert known.estimated_cost_usd < unknown.estimated_cost_usd  # 100 ms is shorter than the 1 s guess
    assert set(known.to_dict()) >= {"first_sizes", "budget", "estimated_cost_usd", "duration_basis"}

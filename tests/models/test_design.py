"""The sizes a tuning measures first: one design for the tuner, the model's bench and bench_tune."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.models.design import ANCHORS, DESIGNS, initial_sizes
from advisor.platform.aws_lambda import MAX_MEMORY_MB, MB_PER_VCPU, MIN_MEMORY_MB
from advisor.tune.space import MemorySpace


def test_the_anchors_bracket_one_vcpu() -> None:
    low, knee, high = ANCHORS
    assert low < knee < high
    assert knee == round(MB_PER_VCPU)


def test_the_full_lambda_range_gets_the_anchors() -> None:
    assert initial_sizes(MIN_MEMORY_MB, MAX_MEMORY_MB, design="anchored") == ANCHORS


def test_anchors_outside_a_narrow_range_are_replaced_far_from_those_kept() -> None:
    # 3,008 MB is outside 128..2,048: its stand-in is the quantile size farthest from 256 and
    # 1,769 MB (512), not one that crowds either (192 or 1,280).
    assert initial_sizes(128, 2048, design="anchored") == (256, 512, 1769)


def test_the_quantile_design_spreads_the_range_in_log_memory() -> None:
    assert initial_sizes(128, 10240, design="quantiles") == (256, 1152, 4928)


@pytest.mark.parametrize("design", list(DESIGNS))
@pytest.mark.parametrize(("low", "high"), [(128, 1024), (1024, 10240), (2048, 4096), (128, 2048), (512, 3008)])
def test_a_narrower_range_gets_three_distinct_sizes_inside_it(design: str, low: int, high: int) -> None:
    sizes = initial_sizes(low, high, design=design)
    assert len(set(sizes)) == 3
    assert all(low <= size <= high for size in sizes)
    assert list(sizes) == sorted(sizes)


@given(st.lists(st.integers(MIN_MEMORY_MB, MAX_MEMORY_MB), min_size=1, max_size=12, unique=True),
       st.sampled_from(list(DESIGNS)))
def test_a_list_of_sizes_gets_distinct_sizes_of_the_list(sizes: list[int], design: str) -> None:
    allowed = sorted(sizes)
    chosen = initial_sizes(allowed[0], allowed[-1], allowed, design=design)
    assert len(chosen) == len(set(chosen)) == min(3, len(allowed))
    assert set(chosen) <= set(allowed)


def test_a_range_of_three_sizes_or_fewer_is_measured_whole() -> None:
    assert initial_sizes(512, 512) == (512,)
    assert initial_sizes(512, 514) == (512, 513, 514)


def test_the_tuner_measures_the_design_first() -> None:
    for low, high in ((128, 10240), (128, 2048), (512, 3008)):
        assert MemorySpace(low, high).initial() == initial_sizes(low, high)


def test_an_empty_range_or_an_unknown_design_is_refused() -> None:
    with pytest.raises(ValueError, match="2048-1024"):
        initial_sizes(2048, 1024)
    with pytest.raises(ValueError, match="grid"):
        initial_sizes(128, 1024, design="grid")

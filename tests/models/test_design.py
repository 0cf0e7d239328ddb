"""The sizes a tuning measures first."""

from __future__ import annotations

import pytest

from advisor.models.design import INITIAL_SIZES, initial_sizes
from advisor.platform.aws_lambda import MB_PER_VCPU


def test_the_default_design_brackets_one_vcpu() -> None:
    low, knee, high = INITIAL_SIZES
    assert low < knee < high
    assert knee == round(MB_PER_VCPU)


def test_the_full_lambda_range_gets_the_default_design() -> None:
    assert initial_sizes(128, 10240) == INITIAL_SIZES


@pytest.mark.parametrize(("low", "high"), [(128, 1024), (1024, 10240), (2048, 4096), (128, 2048)])
def test_a_narrower_range_gets_three_distinct_sizes_inside_it(low: int, high: int) -> None:
    sizes = initial_sizes(low, high)
    assert len(set(sizes)) == 3
    assert all(low <= size <= high for size in sizes)
    assert list(sizes) == sorted(sizes)


def test_a_single_size_range_gets_that_size() -> None:
    assert initial_sizes(512, 512) == (512,)


def test_an_empty_range_is_refused() -> None:
    with pytest.raises(ValueError, match="2048-1024"):
        initial_sizes(2048, 1024)

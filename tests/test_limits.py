"""advisor's own bounds: one Bound per option value, and the refusal of work beyond the machine."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor import limits
from advisor.errors import UsageError
from advisor.platform import Bound


def test_a_bound_accepts_its_range_and_names_the_option_otherwise() -> None:
    bound = Bound("the batch size", "", 1, 4096, "a GPU batch of more requests is not modelled")
    assert bound.check(4096, option="--batch") == 4096
    with pytest.raises(UsageError, match=r"--batch 4,097 is outside the batch size 1-4,096 \(a GPU batch"):
        bound.check(4097, option="--batch")
    with pytest.raises(UsageError, match="--batch 2.5 is not a whole number"):
        bound.check(2.5, option="--batch")
    assert bound.outside([0, 1, 2.5, 4096, 5000, math.nan]).tolist() == [True, False, True, False, True, True]


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_check_and_contains_agree_on_every_number(value: float) -> None:
    for bound in (limits.INSTANCES, limits.INIT_MS, limits.KEEP_ALIVE_S, limits.HOURS):
        if bound.contains(value):
            assert bound.check(value, option="--x") == value
        else:
            with pytest.raises(UsageError):
                bound.check(value, option="--x")


def test_work_that_needs_more_memory_than_the_machine_has_is_refused() -> None:
    available = limits.available_memory_bytes()
    assert available is not None and available > 0
    limits.check_replay_size(1_000, 10)  # a small replay fits
    with pytest.raises(UsageError, match="would need about .* MiB of memory; this machine has"):
        limits.check_replay_size(available // limits.REPLAY_BYTES_PER_REQUEST + 1, 10)

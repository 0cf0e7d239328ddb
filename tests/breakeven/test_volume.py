"""Traffic at another volume: nested, seeded, over the same span, requests kept whole."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.breakeven import at_volume
from advisor.breakeven.volume import JITTER_S, parse_factors
from advisor.errors import UsageError
from advisor.simulate.inputs import Trace

from .conftest import steady_trace


def _requests(trace: Trace) -> set[tuple[float, float]]:
    return set(zip(np.round(trace.arrivals_s, 9), trace.service_ms, strict=True))


def test_the_real_volume_is_the_trace_itself(azure_trace: Trace) -> None:
    workload = at_volume(azure_trace, 1.0)
    assert workload.trace is azure_trace
    assert workload.horizon_s == azure_trace.arrivals_s[-1] - azure_trace.arrivals_s[0]


@pytest.mark.parametrize("factor", [2, 3, 10])
def test_whole_factors_superpose_whole_copies_within_the_span(azure_trace: Trace, factor: int) -> None:
    scaled = at_volume(azure_trace, factor, seed=4).trace
    assert len(scaled) == factor * len(azure_trace)
    assert np.all(np.diff(scaled.arrivals_s) >= 0)
    assert scaled.arrivals_s[0] >= azure_trace.arrivals_s[0] and scaled.arrivals_s[-1] <= azure_trace.arrivals_s[-1]
    assert sorted(scaled.service_ms) == sorted(np.tile(azure_trace.service_ms, factor))


def test_copies_move_each_arrival_by_at_most_the_jitter() -> None:
    trace = steady_trace(1000, every_s=10.0)
    scaled = at_volume(trace, 2.0, seed=9).trace
    # every request of the second copy lies within half the jitter of an original arrival (or wrapped)
    nearest = np.abs(scaled.arrivals_s[:, None] - trace.arrivals_s[None, :]).min(axis=1)
    span = trace.arrivals_s[-1]
    wrapped = np.minimum(nearest, span - nearest)
    assert wrapped.max() <= JITTER_S / 2 + 1e-9


@settings(max_examples=40)
@given(low=st.floats(0.05, 6.0), extra=st.floats(0.0, 6.0), seed=st.integers(0, 2**16))
def test_a_larger_volume_holds_every_request_of_a_smaller_one(low: float, extra: float, seed: int) -> None:
    trace = steady_trace(300, every_s=7.0)
    small = at_volume(trace, low, seed=seed).trace if low * 300 >= 1 else None
    large = at_volume(trace, low + extra, seed=seed).trace
    if small is not None:
        assert _requests(small) <= _requests(large)
        assert len(small) <= len(large)


def test_thinning_keeps_about_the_share_asked_and_depends_on_the_seed(azure_trace: Trace) -> None:
    trace = steady_trace(20_000)
    kept = [len(at_volume(trace, 0.3, seed=s).trace) for s in range(3)]
    assert all(abs(k - 6000) < 4 * np.sqrt(20_000 * 0.3 * 0.7) for k in kept)
    assert len(set(kept)) > 1
    assert len(at_volume(trace, 0.3, seed=1).trace) == kept[1]


def test_a_trace_without_a_span_or_a_volume_outside_the_bounds_is_refused() -> None:
    with pytest.raises(UsageError, match="no rate per month"):
        at_volume(steady_trace(1), 2.0)
    with pytest.raises(UsageError, match="volume 5,000 is outside the volume factor"):
        at_volume(steady_trace(10), 5000)


def test_volumes_are_parsed_sorted_and_checked() -> None:
    assert parse_factors("10, x0.1,1,1") == (0.1, 1.0, 10.0)
    with pytest.raises(UsageError, match="--volumes part 'ten' is not a number"):
        parse_factors("1,ten")
    with pytest.raises(UsageError, match="outside the volume factor"):
        parse_factors("0")

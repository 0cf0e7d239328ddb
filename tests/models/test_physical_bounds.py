"""Predictions beyond the measured sizes stay within what Lambda's CPU allocation allows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.models import DurationModel
from advisor.models.forms import FORMS, FittedForm, physical_band

#: Relative slack for float rounding when comparing against the band.
RTOL = 1e-9


def test_band_below_a_size_is_between_no_speedup_and_the_vcpu_ratio() -> None:
    low, high = physical_band(np.array([256.0, 1024.0]), np.array([512.0, 512.0]), np.array([600.0, 600.0]))
    # Half the memory: at most twice as slow, never faster. Twice the memory: at most twice
    # as fast, never slower.
    assert low.tolist() == [600.0, 300.0]
    assert high.tolist() == [1200.0, 600.0]


def _exploding_exponential(free_below_mb: float | None) -> FittedForm:
    # 100 + 1e6*exp(-m/100) fitted on 512-2048 MB: 6,076 ms at 512 MB, 21,594 ms at 384 MB.
    return FittedForm(
        FORMS["exponential"], 100.0, np.array([100.0, 1e6]), None, (512.0, 2048.0), free_below_mb
    )


def test_exponential_below_the_smallest_size_is_clipped_to_the_vcpu_ratio() -> None:
    fitted = _exploding_exponential(free_below_mb=None)
    at_384, at_128, at_1024 = fitted.predict(np.array([384.0, 128.0, 1024.0]))
    assert at_384 == pytest.approx(6076.023 * 512 / 384, rel=1e-6)  # 8,101 instead of 21,594
    assert at_128 == pytest.approx(6076.023 * 4, rel=1e-6)  # 24,304 instead of 278,137
    assert at_1024 == pytest.approx(100.0 + 1e6 * np.exp(-10.24))  # inside: the form itself
    assert not fitted.within_band(np.array([128.0, 384.0]))


def test_under_memory_pressure_slowing_beyond_the_vcpu_ratio_is_kept() -> None:
    fitted = _exploding_exponential(free_below_mb=256.0)
    at_128, at_384 = fitted.predict(np.array([128.0, 384.0]))
    assert at_128 == pytest.approx(100.0 + 1e6 * np.exp(-1.28))  # 278,137 ms: not clipped
    assert at_384 == pytest.approx(6076.023 * 512 / 384, rel=1e-6)  # above 256 MB: clipped


sizes = st.lists(st.integers(128, 10240), min_size=2, max_size=5, unique=True)
#: Curves from flat to steeper than any vCPU ratio (the exponential's failure mode).
shapes = st.sampled_from(["flat", "inverse", "steep", "cliff"])


def _truth(shape: str, m: np.ndarray) -> np.ndarray:
    return {
        "flat": 500.0 + 0.0 * m,
        "inverse": 200.0 + 3e5 / m,
        "steep": 100.0 + 1e4 * np.exp(-m / 300.0),
        "cliff": 50.0 + 1e6 * np.exp(-m / 150.0),
    }[shape]


@settings(max_examples=60, deadline=None)
@given(
    sizes,
    shapes,
    st.sampled_from(["inverse", "exponential", "lambda", "auto"]),
    st.floats(0.0, 0.3),
    st.integers(0, 2**16),
    st.lists(st.integers(128, 10240), min_size=1, max_size=8),
)
def test_every_form_predicts_within_the_band_of_the_nearest_measured_size(
    memory, shape, form, noise, seed, targets
) -> None:
    rng = np.random.default_rng(seed)
    m = np.repeat(np.asarray(memory, dtype=float), 3)
    y = _truth(shape, m) * rng.lognormal(0.0, noise, len(m))
    model = DurationModel(form=form, n_bootstrap=5).fit(pd.DataFrame({"memory_mb": m}), y)
    measured = np.sort(np.asarray(memory, dtype=float))
    at = np.asarray(targets, dtype=float)
    nearest = np.clip(at, measured[0], measured[-1])
    outside = nearest != at
    mean = model.predict(pd.DataFrame({"memory_mb": at}))
    ref = model.predict(pd.DataFrame({"memory_mb": nearest}))
    low, high = physical_band(at, nearest, ref)
    assert np.all(~outside | (mean >= low * (1 - RTOL)))
    assert np.all(~outside | (mean <= high * (1 + RTOL)))
    quantiles = model.predict_quantiles(pd.DataFrame({"memory_mb": at}))
    ref_q = model.predict_quantiles(pd.DataFrame({"memory_mb": nearest}))
    q_low, q_high = physical_band(at[:, None], nearest[:, None], ref_q)
    assert np.all(~outside[:, None] | (quantiles >= q_low * (1 - RTOL)))
    assert np.all(~outside[:, None] | (quantiles <= q_high * (1 + RTOL)))

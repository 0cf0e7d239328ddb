"""The mean, the quantiles and the intervals come from one predictive distribution (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.models import ColdStartModel, DurationModel
from advisor.models.distribution import LatencyDistribution

sizes = st.lists(st.integers(128, 10240), min_size=2, max_size=6, unique=True)
targets = st.lists(st.integers(128, 10240), min_size=1, max_size=6)
coverages = st.floats(0.01, 0.99)


@st.composite
def fitted_models(draw: st.DrawFn) -> DurationModel | ColdStartModel:
    """A model fitted to a random data set: sizes, invocations per size, scale, noise, shape."""
    memory = np.repeat(np.asarray(draw(sizes), dtype=float), draw(st.integers(1, 5)))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    scale = draw(st.floats(1.0, 1e5))
    speedup = draw(st.floats(0.0, 3.0))  # 0: flat; larger: more CPU-bound
    noise = draw(st.floats(0.0, 0.6))
    y = scale * (1.0 + speedup * 1769.0 / memory) * rng.lognormal(0.0, noise, len(memory))
    estimator = draw(st.sampled_from([DurationModel, ColdStartModel]))
    seed = draw(st.integers(0, 3))
    return estimator(n_bootstrap=10, random_state=seed).fit(pd.DataFrame({"memory_mb": memory}), y)


def _grid(memory: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"memory_mb": memory})


@settings(max_examples=60)
@given(fitted_models(), targets, coverages, coverages)
def test_quantiles_intervals_and_mean_agree(model, memory, first, second) -> None:
    grid = _grid(memory)
    distribution = model.predict_distribution(grid)
    p50, p90, p95, p99 = distribution.quantiles((0.5, 0.9, 0.95, 0.99)).T
    assert np.all((p50 <= p90) & (p90 <= p95) & (p95 <= p99))
    low, high = distribution.interval(0.9)
    assert np.all((low <= p50) & (p50 <= high))
    p05, p95_again = distribution.quantiles((0.05, 0.95)).T
    assert np.array_equal(low, p05) and np.array_equal(high, p95_again)
    smallest, largest = distribution.support()
    mean = distribution.mean()
    assert np.all(smallest > 0) and np.all(np.isfinite(largest))
    assert np.all((mean >= smallest * (1 - 1e-12)) & (mean <= largest * (1 + 1e-12)))
    narrow, wide = sorted((first, second))
    narrow_low, narrow_high = distribution.interval(narrow)
    wide_low, wide_high = distribution.interval(wide)
    assert np.all((wide_low <= narrow_low) & (narrow_low <= narrow_high) & (narrow_high <= wide_high))


@settings(max_examples=30)
@given(fitted_models(), targets)
def test_predict_quantiles_and_intervals_are_read_off_the_distribution(model, memory) -> None:
    grid = _grid(memory)
    distribution = model.predict_distribution(grid)
    assert np.array_equal(model.predict(grid), distribution.mean())
    assert np.array_equal(model.predict_quantiles(grid), distribution.quantiles((0.5, 0.9, 0.95, 0.99)))
    low, high = model.predict_interval(grid, coverage=0.8)
    assert all(np.array_equal(a, b) for a, b in zip((low, high), distribution.interval(0.8), strict=True))


@settings(max_examples=30)
@given(fitted_models(), targets)
def test_a_size_gets_the_same_draws_whatever_else_is_asked(model, memory) -> None:
    # Up to numerical tolerance: numpy's vectorised exp and log may round an element
    # differently in arrays of different lengths, and the mean-neutral scale is found by a
    # bisection over all rows at once, which stops when every row is within its tolerance
    # (3.6e-10 apart in the worst example hypothesis found). Another random stream would differ by
    # percents, so a size's draws still cannot depend on what else is asked.
    together = model.predict_distribution(_grid(memory)).draws
    for i, size in enumerate(memory):
        alone = model.predict_distribution(_grid([size])).draws[0]
        assert np.allclose(together[i], alone, rtol=1e-8, atol=0.0)


def test_the_same_random_state_gives_the_same_distribution_and_another_one_differs() -> None:
    memory = np.repeat([256.0, 1024.0, 2048.0], 5)
    y = (300.0 + 2e5 / memory) * np.random.default_rng(1).lognormal(0.0, 0.1, len(memory))
    X = pd.DataFrame({"memory_mb": memory})
    grid = _grid([128, 700, 4096])
    first = DurationModel(random_state=3).fit(X, y).predict_distribution(grid).draws
    again = DurationModel(random_state=3).fit(X, y).predict_distribution(grid).draws
    other = DurationModel(random_state=4).fit(X, y).predict_distribution(grid).draws
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_quantiles_interpolate_between_order_statistics_like_numpy() -> None:
    draws = np.random.default_rng(0).lognormal(0.0, 0.5, (3, 101))
    distribution = LatencyDistribution.from_draws(np.array([128.0, 512.0, 2048.0]), draws)
    levels = [0.0, 0.013, 0.5, 0.9, 0.95, 0.99, 1.0]
    assert np.allclose(distribution.quantiles(levels), np.quantile(draws, levels, axis=1).T, rtol=1e-12)


@pytest.mark.parametrize("coverage", [0.0, 1.0, 1.5])
def test_an_interval_needs_a_coverage_strictly_between_0_and_1(coverage: float) -> None:
    distribution = LatencyDistribution.from_draws(np.array([512.0]), np.ones((1, 10)))
    with pytest.raises(ValueError, match="coverage must be between 0 and 1"):
        distribution.interval(coverage)


def test_a_quantile_level_outside_0_to_1_is_rejected() -> None:
    distribution = LatencyDistribution.from_draws(np.array([512.0]), np.ones((1, 10)))
    with pytest.raises(ValueError, match=r"quantile levels must lie in \[0, 1\]"):
        distribution.quantiles((0.5, 1.2))

"""The default duration model: the knee form averaged over its knee, fitted on three sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.models import DurationModel, vcpu_share
from advisor.models.averaging import KNEE_PRIOR, knee_posterior, relative_noise_var
from advisor.models.forms import KNEE_GRID
from advisor.models.selection import group_samples

GRID = pd.DataFrame({"memory_mb": [128, 256, 700, 1769, 2500, 3008, 6000, 10240]})
three_sizes = st.lists(st.integers(128, 10240), min_size=3, max_size=3, unique=True)


def _samples(truth, sizes, *, per_size=5, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    memory = np.repeat(np.asarray(sizes, dtype=float), per_size)
    return pd.DataFrame({"memory_mb": memory}), truth(memory) * rng.lognormal(0.0, noise, len(memory))


@settings(max_examples=40, deadline=None)
@given(three_sizes, st.integers(3, 6), st.floats(1.0, 1e5), st.floats(0.0, 3.0),
       st.floats(0.01, 0.5), st.integers(0, 2**16))
def test_any_three_size_fit_has_ordered_quantiles_and_intervals_around_the_mean(
    sizes, per_size, scale, speedup, noise, seed
) -> None:
    rng = np.random.default_rng(seed)
    memory = np.repeat(np.asarray(sizes, dtype=float), per_size)
    y = scale * (1.0 + speedup * 1769.0 / memory) * rng.lognormal(0.0, noise, len(memory))
    model = DurationModel(n_bootstrap=10).fit(pd.DataFrame({"memory_mb": memory}), y)
    mean = model.predict(GRID)
    quantiles = model.predict_quantiles(GRID, (0.01, 0.05, 0.5, 0.9, 0.95, 0.99))
    assert np.all(np.isfinite(mean)) and np.all(mean > 0)
    assert np.all(np.diff(quantiles, axis=1) >= 0)
    # At least 3 invocations per size and 1% noise, as a tuner measures: with one invocation
    # per size the spread is estimated with a single degree of freedom (Cauchy tails, clipped
    # at 20x), whose mean can lie past the 90th percentile; without noise the draws at a
    # measured size are a few point masses, one per knee, whose mean can sit 1e-6 past the
    # 95th percentile. Float rounding aside, the mean is inside the 90% and 99% intervals.
    slack = 1e-9 * mean
    for coverage in (0.9, 0.99):
        low, high = model.predict_interval(GRID, coverage)
        assert np.all((low <= mean + slack) & (mean - slack <= high))
    assert sum(model.knee_weights_.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_single_threaded_curve_is_predicted_flat_past_one_vcpu(seed: int) -> None:
    def truth(m):
        return 120.0 + 4000.0 / np.minimum(vcpu_share(m), 1.0)

    X, y = _samples(truth, [256, 1769, 3008], noise=0.05, seed=seed)
    model = DurationModel().fit(X, y)
    at_885, at_1769, at_2500, at_3008, at_6000, at_10240 = model.predict(
        pd.DataFrame({"memory_mb": [885, 1769, 2500, 3008, 6000, 10240]}))
    assert model.params_["knee_vcpu"] == 1.0
    assert at_885 / at_1769 == pytest.approx(truth(885.0) / truth(1769.0), rel=0.08)
    # Flat past 1,769 MB (a 1/m curve would be 0.71, 0.59, 0.29 and 0.17 of its value there),
    # up to the measured sizes' own levels (5 invocations each, 5% noise), and past the
    # largest measured size flat at its level.
    assert min(at_1769, at_3008) * 0.99 <= at_2500 <= max(at_1769, at_3008) * 1.01
    assert at_3008 / at_1769 == pytest.approx(1.0, abs=0.08)
    assert at_6000 / at_3008 == pytest.approx(1.0, abs=0.02)
    assert at_10240 / at_3008 == pytest.approx(1.0, abs=0.02)


def test_a_curve_still_speeding_up_at_the_largest_size_may_keep_doing_so_within_physics() -> None:
    def truth(m):
        return 100.0 + 6000.0 / np.minimum(vcpu_share(m), 2.0)

    X, y = _samples(truth, [256, 1769, 3008], noise=0.03)
    model = DurationModel().fit(X, y)
    grid = pd.DataFrame({"memory_mb": [3008, 3538, 10240]})
    at_3008, at_3538, at_10240 = model.predict(grid)
    # Every knee from 1.7 vCPU up fits 256-3008 MB alike: past 3,008 MB the model cannot tell
    # two threads from six, so its mean lies between flat and all-parallel, and its interval
    # holds the two-thread truth.
    assert model.params_["knee_vcpu"] >= 1.5
    assert at_3008 * 3008 / 3538 <= at_3538 <= at_3008
    assert at_3008 * 3008 / 10240 <= at_10240 <= at_3538
    low, high = model.predict_interval(grid)
    assert low[1] <= truth(3538.0) <= high[1] and low[2] <= truth(10240.0) <= high[2]


def test_an_io_bound_curve_that_flattens_early_gets_a_knee_below_one_vcpu() -> None:
    def truth(m):
        return 900.0 + 300.0 / np.minimum(vcpu_share(m), 0.5)

    X, y = _samples(truth, [256, 1024, 3008], noise=0.02, per_size=10)
    model = DurationModel().fit(X, y)
    assert model.params_["knee_vcpu"] < 1.0
    predicted = model.predict(pd.DataFrame({"memory_mb": [512, 1769]}))
    assert predicted == pytest.approx(truth(np.array([512.0, 1769.0])), rel=0.05)


def test_posterior_weights_follow_the_prior_when_the_data_cannot_tell_knees_apart() -> None:
    # Two sizes below 0.25 vCPU: every knee fits them alike, so the weights are the prior's.
    X, y = _samples(lambda m: 50.0 + 20000.0 / m, [128, 256], noise=0.0)
    groups = group_samples(X["memory_mb"].to_numpy(), y, np.zeros((len(y), 0)))
    posterior = knee_posterior(groups, relative_noise_var(X["memory_mb"].to_numpy(), y), None)
    prior = np.asarray(KNEE_PRIOR) / np.sum(KNEE_PRIOR)
    assert len(posterior.fits) == len(KNEE_GRID)
    assert posterior.weights == pytest.approx(prior, rel=1e-6)


def test_one_invocation_per_size_falls_back_to_the_default_noise() -> None:
    assert relative_noise_var(np.array([256.0, 1024.0]), np.array([10.0, 5.0])) == pytest.approx(0.01)

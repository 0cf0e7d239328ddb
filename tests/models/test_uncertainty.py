"""The predictive distribution: per-invocation spread, fit and form uncertainty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advisor.models import DurationModel, vcpu_share


def truth(m):
    return 150.0 + 3000.0 / np.minimum(vcpu_share(m), 1.0)


def _fit(sizes, per_size=30, noise=0.1, seed=0) -> DurationModel:
    rng = np.random.default_rng(seed)
    memory = np.repeat(np.asarray(sizes, dtype=float), per_size)
    y = truth(memory) * rng.lognormal(0.0, noise, len(memory))
    return DurationModel().fit(pd.DataFrame({"memory_mb": memory}), y)


def _grid(*sizes: float) -> pd.DataFrame:
    return pd.DataFrame({"memory_mb": sizes})


def test_intervals_widen_with_distance_from_the_measured_sizes() -> None:
    model = _fit([512, 1024, 2048])
    low, high = model.predict_interval(_grid(1024, 3008, 10240, 256, 128))
    width = (high - low) / model.predict(_grid(1024, 3008, 10240, 256, 128))
    assert width[0] < width[1] < width[2]
    assert width[0] < width[3] < width[4]


def test_ninety_percent_interval_at_a_measured_size_covers_about_ninety_percent_of_new_invocations() -> None:
    model = _fit([256, 512, 1024, 2048])
    low, high = model.predict_interval(_grid(1024))
    fresh = truth(1024.0) * np.random.default_rng(99).lognormal(0.0, 0.1, 4000)
    inside = np.mean((fresh >= low[0]) & (fresh <= high[0]))
    assert 0.85 <= inside <= 0.95


def test_quantiles_are_ordered_and_match_the_per_invocation_spread() -> None:
    model = _fit([256, 512, 1024, 2048], per_size=200)
    p50, p90, p95, p99 = model.predict_quantiles(_grid(1024))[0]
    assert p50 < p90 < p95 < p99
    # Lognormal noise with sigma 0.1: p90/p50 = exp(1.2816 * 0.1) = 1.137.
    assert p90 / p50 == pytest.approx(1.137, rel=0.03)
    assert model.predict(_grid(1024))[0] == pytest.approx(truth(1024.0) * np.exp(0.005), rel=0.03)


def test_interval_contains_the_mean_and_the_middle_quantiles() -> None:
    model = _fit([256, 1024, 2048])
    grid = _grid(128, 640, 1769, 6144)
    low, high = model.predict_interval(grid)
    quantiles = model.predict_quantiles(grid, q=(0.25, 0.5, 0.75))
    assert np.all(low < quantiles[:, 0]) and np.all(quantiles[:, 2] < high)
    assert np.all((low < model.predict(grid)) & (model.predict(grid) < high))


def test_higher_coverage_gives_a_wider_interval() -> None:
    model = _fit([256, 1024, 2048])
    low90, high90 = model.predict_interval(_grid(768), coverage=0.9)
    low99, high99 = model.predict_interval(_grid(768), coverage=0.99)
    assert low99[0] < low90[0] and high90[0] < high99[0]


def test_intervals_from_few_invocations_per_size_still_cover_about_ninety_percent() -> None:
    # 4 invocations at each of 3 sizes: the residuals around the fitted means understate the
    # spread (3 of 12 degrees of freedom spent on the means) and the spread itself is
    # estimated from 9; resampling the residuals as they are covers only ~84% here.
    coverages = []
    for seed in range(16):
        rng = np.random.default_rng(seed)
        memory = np.repeat([256.0, 1024.0, 2048.0], 4)
        y = truth(memory) * rng.lognormal(0.0, 0.1, len(memory))
        model = DurationModel(form="lambda", n_bootstrap=50)
        model.fit(pd.DataFrame({"memory_mb": memory}), y)
        low, high = model.predict_interval(_grid(1024))
        fresh = truth(1024.0) * rng.lognormal(0.0, 0.1, 4000)
        coverages.append(np.mean((fresh >= low[0]) & (fresh <= high[0])))
    assert 0.87 <= np.mean(coverages) <= 0.95


def _fit_heteroscedastic(noise_by_size: dict[float, float], per_size=200, seed=1) -> DurationModel:
    rng = np.random.default_rng(seed)
    memory = np.repeat(list(noise_by_size), per_size).astype(float)
    sigma = np.array([noise_by_size[m] for m in memory])
    y = truth(memory) * rng.lognormal(0.0, sigma)
    return DurationModel().fit(pd.DataFrame({"memory_mb": memory}), y)


def test_the_spread_at_a_size_comes_from_the_measured_sizes_around_it() -> None:
    # Memory pressure makes 512 MB scatter (20%); 1024 and 2048 MB are quiet (3%).
    model = _fit_heteroscedastic({512.0: 0.20, 1024.0: 0.03, 2048.0: 0.03})
    quantiles = model.predict_quantiles(_grid(512, 2048), q=(0.5, 0.9))
    spread = quantiles[:, 1] / quantiles[:, 0]
    # lognormal p90/p50 = exp(1.2816 sigma): 1.29 at 20%, 1.039 at 3% (a pooled spread would
    # give both sizes the same ratio)
    assert 1.15 < spread[0] < 1.45
    assert spread[1] == pytest.approx(np.exp(1.2816 * 0.03), rel=0.02)
    low, high = model.predict_interval(_grid(1536, 724))
    width = (high - low) / model.predict(_grid(1536, 724))
    assert width[0] < 0.25 < width[1]  # between quiet sizes narrow, next to the noisy one wide


def test_between_two_sizes_their_spreads_mix_by_distance_in_log_memory() -> None:
    from advisor.models.uncertainty import SizeNoise

    memory = np.repeat([512.0, 2048.0], 5)
    noise = SizeNoise.from_ratios(memory, np.linspace(0.9, 1.1, 10), pooled_dof=8)
    assert noise.weights(1024.0) == [(0, 0.5), (1, 0.5)]
    assert noise.weights(256.0) == [(0, 1.0)] and noise.weights(4096.0) == [(1, 1.0)]
    left, right = noise.weights(724.0)
    assert left[1] == pytest.approx(0.75, abs=0.01) and right[1] == pytest.approx(0.25, abs=0.01)


def test_a_size_with_one_invocation_uses_the_pooled_spread() -> None:
    from advisor.models.uncertainty import SizeNoise

    memory = np.array([512.0, 1024.0, 1024.0, 1024.0, 2048.0, 2048.0])
    ratios = np.array([1.0, 0.9, 1.0, 1.1, 0.8, 1.2])
    noise = SizeNoise.from_ratios(memory, ratios, pooled_dof=3)
    at_512, at_600, at_1536 = noise.draws(np.array([512.0, 600.0, 1536.0]), 4000, np.random.default_rng(0))
    # 512 MB has a single invocation, so there and between it and 1024 MB the pooled spread
    # applies, not a single point; between 1024 and 2048 MB their own spreads do.
    assert np.array_equal(at_512, at_600)
    assert at_512.min() < 0.85 and at_512.max() > 1.15
    assert not np.array_equal(at_1536, at_512)

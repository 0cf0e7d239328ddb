"""The Lambda-physics form on synthetic functions whose true behaviour is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advisor.models import DurationModel, vcpu_share
from advisor.models.forms import pressure


def _samples(truth, sizes, *, per_size=10, noise=0.03, seed=0, **extra):
    rng = np.random.default_rng(seed)
    memory = np.repeat(np.asarray(sizes, dtype=float), per_size)
    duration = truth(memory) * rng.lognormal(0.0, noise, len(memory))
    return pd.DataFrame({"memory_mb": memory, **extra}), duration


def _at(model: DurationModel, *sizes: float) -> np.ndarray:
    return model.predict(pd.DataFrame({"memory_mb": sizes}))


def _form_at(model: DurationModel, *sizes: float) -> np.ndarray:
    """The fitted form's curve: the physics, without the measured sizes' own levels.

    ``predict`` is the mean of the predictive distribution, which at a measured size follows
    that size's measured mean (its invocations' noise included).
    """
    return model.fitted_.predict(np.asarray(sizes, dtype=float))


def single_threaded(m):
    return 8000.0 / np.minimum(vcpu_share(m), 1.0)


def test_single_threaded_cpu_bound_function_stops_speeding_up_at_1769_mb() -> None:
    X, y = _samples(single_threaded, [256, 512, 1024, 1536, 2048, 3008])
    model = DurationModel().fit(X, y)
    at_885, at_1769, at_3008, at_10240 = _at(model, 885, 1769, 3008, 10240)
    assert model.form_ == "knee" and model.params_["knee_vcpu"] == 1.0
    assert at_885 / at_1769 == pytest.approx(2.0, rel=0.03)
    # Beyond one vCPU it no longer speeds up (a 1/m curve would be 0.59 and 0.17 here);
    # 3% noise leaves at most a 3% slope.
    assert 0.97 <= at_3008 / at_1769 <= 1.0
    assert 0.97 <= at_10240 / at_1769 <= 1.0
    assert at_1769 == pytest.approx(8000.0, rel=0.03)


def test_pure_io_function_is_flat_across_all_memory_sizes() -> None:
    X, y = _samples(lambda m: np.full_like(m, 500.0), [128, 512, 2048, 10240])
    predicted = _at(DurationModel().fit(X, y), 128, 256, 1024, 1769, 4096, 10240)
    assert predicted.max() / predicted.min() < 1.02
    assert predicted.mean() == pytest.approx(500.0, rel=0.02)


def test_four_threaded_work_keeps_speeding_up_until_four_vcpu() -> None:
    def truth(m):
        return 200.0 + 20000.0 / np.minimum(vcpu_share(m), 4.0)

    X, y = _samples(truth, [512, 1024, 2048, 4096, 7076, 10240])
    model = DurationModel().fit(X, y)
    at_3538, at_7076, at_10240 = _form_at(model, 3538, 7076, 10240)
    assert model.params_["knee_vcpu"] == 4.0
    assert at_3538 / at_7076 == pytest.approx(truth(3538.0) / truth(7076.0), rel=0.03)
    assert at_10240 / at_7076 == pytest.approx(1.0, abs=0.01)


def test_memory_pressure_slows_sizes_near_the_working_set_and_flags_sizes_below_it() -> None:
    def truth(m):
        return 1000.0 + 300.0 * pressure(m, 400.0)

    X, y = _samples(truth, [512, 640, 768, 1024, 2048], max_memory_used_mb=400.0)
    model = DurationModel().fit(X, y)
    assert model.working_set_mb_ == 400.0
    assert list(model.fails(pd.DataFrame({"memory_mb": [384, 400, 512]}))) == [True, True, False]
    at_512, at_2048 = _at(model, 512, 2048)
    assert at_512 == pytest.approx(truth(512.0), rel=0.05)
    assert at_2048 == pytest.approx(1000.0, rel=0.03)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_fit_on_noisy_data_stays_within_ten_percent_of_the_truth(seed: int) -> None:
    def truth(m):
        return 300.0 + 4000.0 / np.minimum(vcpu_share(m), 1.0)

    # 20% per-invocation noise, 20 invocations per size: each size's mean is known to ~4.5%.
    X, y = _samples(truth, [128, 512, 1024, 2048, 4096], per_size=20, noise=0.2, seed=seed)
    sizes = np.array([256.0, 768.0, 1769.0, 3008.0, 10240.0])
    predicted = _at(DurationModel().fit(X, y), *sizes)
    assert np.all(np.abs(predicted / truth(sizes) - 1.0) < 0.10)


def test_fitting_twice_with_the_same_seed_gives_identical_results() -> None:
    X, y = _samples(single_threaded, [256, 1024, 2048], noise=0.2)
    first, second = DurationModel().fit(X, y), DurationModel().fit(X, y)
    grid = pd.DataFrame({"memory_mb": [128, 640, 3008]})
    assert np.array_equal(first.predict_interval(grid)[0], second.predict_interval(grid)[0])
    assert first.params_ == second.params_

"""With ``form="auto"`` the form is chosen by leave-one-memory-size-out cross-validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advisor.models import ColdStartModel, DurationModel, vcpu_share


def _fit(model, truth, sizes, *, per_size=10, noise=0.02, seed=0, **extra):
    rng = np.random.default_rng(seed)
    memory = np.repeat(np.asarray(sizes, dtype=float), per_size)
    frame = pd.DataFrame({"memory_mb": memory, **{k: np.resize(v, len(memory)) for k, v in extra.items()}})
    return model.fit(frame, truth(frame) * rng.lognormal(0.0, noise, len(memory)))


SIZES = [128, 256, 512, 1024, 1769, 3008, 5120, 10240]


def test_exponential_data_is_given_the_exponential_form() -> None:
    model = _fit(DurationModel(form="auto"), lambda f: 400 + 5000 * np.exp(-f.memory_mb / 700), SIZES)
    assert model.form_ == "exponential"
    assert model.params_["c_mb"] == pytest.approx(700, rel=0.1)


def test_data_that_stops_speeding_up_at_one_vcpu_is_given_the_lambda_form() -> None:
    model = _fit(DurationModel(form="auto"), lambda f: 100 + 2000 / np.minimum(vcpu_share(f.memory_mb), 1), SIZES)
    assert model.form_ == "lambda"
    assert model.cv_error_ < model.cv_results_["inverse"].mape
    assert model.cv_error_ < model.cv_results_["exponential"].mape


def test_every_candidate_has_a_cv_error_for_every_held_out_size() -> None:
    model = _fit(DurationModel(form="auto"), lambda f: 100 + 200000 / f.memory_mb, SIZES)
    assert set(model.cv_results_) == {"inverse", "exponential", "lambda"}
    for result in model.cv_results_.values():
        assert sorted(result.errors) == SIZES
    assert model.cv_error_ == model.cv_results_[model.form_].mape


def test_a_forced_form_is_used_and_cross_validated_alone() -> None:
    model = _fit(DurationModel(form="inverse"), lambda f: 100 + 200000 / f.memory_mb, SIZES)
    assert model.form_ == "inverse" and set(model.cv_results_) == {"inverse"}
    assert model.params_["b_ms"] == pytest.approx(200000 / 1024, rel=0.02)


def test_cold_start_that_does_not_depend_on_memory_is_constant() -> None:
    model = _fit(ColdStartModel(), lambda f: np.full(len(f), 250.0), [128, 512, 2048])
    assert model.form_ == "constant"
    assert model.predict(pd.DataFrame({"memory_mb": [128, 10240]})) == pytest.approx([250, 250], rel=0.02)


def test_cold_start_grows_with_package_size_when_it_is_known() -> None:
    model = _fit(
        ColdStartModel(), lambda f: 100 + 2.0 * f.package_mb, [128, 512, 2048],
        per_size=12, package_mb=[10.0, 50.0, 200.0],
    )
    assert model.params_["package_mb_coef"] == pytest.approx(2.0, rel=0.05)
    predicted = model.predict(pd.DataFrame({"memory_mb": [1024, 1024], "package_mb": [20.0, 250.0]}))
    assert predicted == pytest.approx([140.0, 600.0], rel=0.05)

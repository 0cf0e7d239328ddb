"""The models follow scikit-learn's estimator contract.

``check_estimator`` as a whole does not apply: most of its checks fit on random features in
[0, 1] or with negative values, which are not memory sizes (128-10,240 MB) and are rejected.
The checks that do not depend on the data's domain are run here; fitting, cloning, pickling
and idempotence are checked on valid memory sizes below.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks as checks

from advisor.models import ColdStartModel, DurationModel

ESTIMATORS = [DurationModel, ColdStartModel]
APPLICABLE_CHECKS = [
    checks.check_no_attributes_set_in_init,
    checks.check_parameters_default_constructible,
    checks.check_get_params_invariance,
    checks.check_set_params,
    checks.check_do_not_raise_errors_in_init_or_set_params,
    checks.check_estimators_unfitted,
    checks.check_estimator_repr,
    checks.check_mixin_order,
    checks.check_fit1d,
    checks.check_supervised_y_no_nan,
]


def _data(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    memory = np.repeat([256.0, 512.0, 1024.0, 2048.0], 6)
    return pd.DataFrame({"memory_mb": memory}), 300 + 2e5 / memory * rng.lognormal(0, 0.05, 24)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: e.__name__)
@pytest.mark.parametrize("check", APPLICABLE_CHECKS, ids=lambda c: c.__name__)
def test_passes_the_applicable_sklearn_estimator_checks(estimator, check) -> None:
    check(estimator.__name__, estimator(n_bootstrap=5))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_fit_returns_self_and_learned_attributes_end_in_underscore(estimator) -> None:
    model = estimator(n_bootstrap=5)
    before = set(vars(model))
    assert model.fit(*_data()) is model
    learned = set(vars(model)) - before
    assert {"form_", "params_", "cv_results_", "cv_error_"} <= learned
    assert all(name.endswith("_") for name in learned)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_clone_keeps_settings_and_drops_the_fit(estimator) -> None:
    model = estimator(form="inverse", n_bootstrap=7, random_state=3).fit(*_data())
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "form_")


def test_pickled_model_predicts_the_same() -> None:
    X, y = _data()
    model = DurationModel(n_bootstrap=10).fit(X, y)
    again = pickle.loads(pickle.dumps(model))
    grid = pd.DataFrame({"memory_mb": [128, 700, 5000]})
    assert np.array_equal(again.predict(grid), model.predict(grid))
    assert np.array_equal(again.predict_interval(grid)[1], model.predict_interval(grid)[1])


def test_array_input_with_memory_in_the_first_column_equals_dataframe_input() -> None:
    X, y = _data()
    from_frame = DurationModel(n_bootstrap=5).fit(X, y)
    from_array = DurationModel(n_bootstrap=5).fit(X.to_numpy(), y)
    assert np.allclose(from_array.predict([[640.0]]), from_frame.predict(pd.DataFrame({"memory_mb": [640]})))


def test_predict_before_fit_raises_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        DurationModel().predict(pd.DataFrame({"memory_mb": [512]}))


@pytest.mark.parametrize(
    ("memory", "message"),
    [([512.0] * 4, "two or more memory sizes"), ([64.0, 512.0, 512.0, 1024.0], "memory_mb 64 is outside")],
)
def test_fit_rejects_unusable_memory_sizes(memory: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DurationModel().fit(pd.DataFrame({"memory_mb": memory}), [100.0, 110.0, 120.0, 130.0])


def test_fit_rejects_non_positive_durations() -> None:
    with pytest.raises(ValueError, match="positive"):
        DurationModel().fit(pd.DataFrame({"memory_mb": [256, 512]}), [100.0, 0.0])


def test_unknown_form_name_is_rejected_with_the_known_names() -> None:
    with pytest.raises(ValueError, match="unknown form 'cubic'"):
        DurationModel(form="cubic").fit(*_data())

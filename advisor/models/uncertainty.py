"""Prediction intervals: parameter uncertainty, model-form error and per-invocation noise.

The interval for one new invocation at memory ``m`` is built by Monte Carlo from three parts,
each estimated from the data:

1. **Parameter uncertainty**: a stratified bootstrap (invocations resampled within each
   measured memory size, the form refitted) gives a spread of mean curves. It is narrow at
   measured sizes and grows where the curve is extrapolated.
2. **Model-form error**: a form that fits the measured sizes can still be wrong between and
   beyond them. Leave-one-size-out CV measures how wrong, per octave of distance to the
   nearest size the fold kept; that rate (``kappa``, log-scale per octave) times the distance
   from ``m`` to the nearest measured size is the standard deviation of a log-normal factor.
   It is zero at measured sizes and grows away from them. The rate is estimated from only as
   many folds as there are measured sizes, so the factor is drawn from a Student-t with that
   many degrees of freedom (the predictive distribution of a normal error whose scale is
   estimated from that few values) rather than a normal: few sizes, heavier tails.
3. **Per-invocation noise**: each invocation's ratio to the fitted mean at its size, resampled
   as measured (no shape assumed), so skew and tails are kept. The ratios are residuals
   around a curve fitted to the same invocations, so they understate the spread of a new
   invocation: with ``n`` invocations and ``p`` fitted size means (the form's parameters,
   at most the number of sizes) they have ``n - p`` degrees of freedom. Their log deviations
   are therefore scaled by ``sqrt(n / (n - p))`` (the unbiased residual variance) and by a
   draw of ``sqrt(dof / chi2(dof))`` (the spread itself is estimated, so the predictive
   distribution has Student-t tails with ``n - p`` degrees of freedom).

What this cannot capture: sizes whose mean sits off the smooth curve by more than their
invocations' spread implies (each size measured as its own batch). Separating that
size-to-size variance from the form error needs more measured sizes than the form has
parameters; with three sizes the leave-one-size-out errors cannot tell them apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from advisor.models.forms import FittedForm
from advisor.models.selection import CvResult, Groups, group_index, groups_from_index

#: Monte Carlo draws per memory size when computing an interval.
INTERVAL_DRAWS = 4000
#: The form-error and noise factors are clipped to [1/20, 20]: a wider interval carries no
#: information, and a Student-t with few degrees of freedom would otherwise overflow.
MAX_LOG_FACTOR = float(np.log(20.0))


def octaves_to_nearest(memory_mb: np.ndarray, measured_mb: np.ndarray) -> np.ndarray:
    """Distance in octaves (``|log2 m - log2 m_j|``) from each size to the nearest measured one."""
    logs = np.log2(np.asarray(memory_mb, dtype=float))[:, None]
    return np.min(np.abs(logs - np.log2(np.asarray(measured_mb, dtype=float))[None, :]), axis=1)


def form_error_rate(cv: CvResult) -> float:
    """Model-form error per octave (log scale) from a form's leave-one-size-out errors.

    Each held-out size's log error is divided by its distance to the nearest size the fold
    kept; the root mean square of those rates is returned (0 with fewer than 3 sizes' errors).
    """
    sizes = np.array(sorted(cv.errors), dtype=float)
    if len(sizes) < 3:
        return 0.0
    rates = []
    for size in sizes:
        others = sizes[sizes != size]
        distance = float(octaves_to_nearest(np.array([size]), others)[0])
        rates.append(np.log1p(max(cv.errors[int(size)], -0.99)) / distance)
    return float(np.sqrt(np.mean(np.square(rates))))


def residual_dof(n_samples: int, n_sizes: int, n_params: int) -> int:
    """Degrees of freedom left in the residuals once the form's curve is fitted (at least 1).

    A form cannot use more parameters than there are size means to fit, so it spends
    ``min(n_params, n_sizes)`` of the ``n_samples`` degrees of freedom.
    """
    return max(n_samples - min(n_params, n_sizes), 1)


def bootstrap_fits(
    refit: Callable[[Groups], FittedForm],
    memory_mb: np.ndarray,
    y: np.ndarray,
    extra: np.ndarray,
    n_bootstrap: int,
    rng: np.random.Generator,
) -> list[FittedForm]:
    """Refit on ``n_bootstrap`` stratified resamples (invocations resampled within each group)."""
    keys, index = group_index(memory_mb, extra)
    order = np.argsort(index, kind="stable")
    counts = np.bincount(index, minlength=len(keys))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    sorted_index, sorted_y = index[order], y[order]
    fits = []
    for _ in range(n_bootstrap):
        sizes = np.repeat(counts, counts)
        picks = np.repeat(starts, counts) + (rng.random(len(y)) * sizes).astype(int)
        fits.append(refit(groups_from_index(keys, sorted_index[picks], sorted_y[picks])))
    return fits


@dataclass(frozen=True)
class IntervalModel:
    """Everything needed to draw latency samples at any memory size.

    Attributes:
        curves: Bootstrap fits (parameter uncertainty).
        measured_mb: Distinct measured memory sizes.
        kappa: Model-form error per octave (log scale).
        dof: Degrees of freedom of the form-error factor (number of CV folds).
        ratios: Per-invocation ratios ``y / fitted mean`` (noise).
        noise_dof: Residual degrees of freedom of the ratios (invocations - fitted means).
    """

    curves: list[FittedForm]
    measured_mb: np.ndarray
    kappa: float
    ratios: np.ndarray
    dof: int
    noise_dof: int

    def draws(
        self, memory_mb: float, extra: np.ndarray | None, rng: np.random.Generator
    ) -> np.ndarray:
        """Latency samples (ms) for one new invocation at ``memory_mb``."""
        at = np.array([memory_mb])
        means = np.array([c.predict(at, extra)[0] for c in self.curves])
        bands = np.array([np.concatenate(c.band(at, extra)) for c in self.curves])
        sigma = self.kappa * float(octaves_to_nearest(at, self.measured_mb)[0])
        pick = rng.integers(0, len(means), INTERVAL_DRAWS)
        log_error = sigma * rng.standard_t(max(self.dof, 1), INTERVAL_DRAWS)
        form_error = np.exp(np.clip(log_error, -MAX_LOG_FACTOR, MAX_LOG_FACTOR))
        # The form error moves the mean, which physics bounds beyond the measured sizes.
        mean = np.clip(means[pick] * form_error, bands[pick, 0], bands[pick, 1])
        return mean * self.noise_draws(rng)

    def noise_draws(self, rng: np.random.Generator) -> np.ndarray:
        """Per-invocation factors: resampled ratios, widened for the fitted means' lost dof."""
        logs = np.log(self.ratios)
        center = float(np.mean(logs))
        deviation = logs[rng.integers(0, len(logs), INTERVAL_DRAWS)] - center
        dof = max(self.noise_dof, 1)
        unbiased = np.sqrt(len(logs) / dof)
        estimated_scale = np.sqrt(dof / rng.chisquare(dof, INTERVAL_DRAWS))
        log_noise = deviation * unbiased * estimated_scale
        return np.exp(center + np.clip(log_noise, -MAX_LOG_FACTOR, MAX_LOG_FACTOR))

    def interval(
        self, memory_mb: float, extra: np.ndarray | None, coverage: float, rng: np.random.Generator
    ) -> tuple[float, float]:
        """Central ``coverage`` interval of one new invocation's latency at ``memory_mb``."""
        tail = (1.0 - coverage) / 2.0
        low, high = np.quantile(self.draws(memory_mb, extra, rng), [tail, 1.0 - tail])
        return float(low), float(high)

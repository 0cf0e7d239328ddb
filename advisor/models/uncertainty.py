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
   as measured (no shape assumed), so skew and tails are kept. The spread is not the same at
   every size: under memory pressure invocations scatter far more (in the measurements of
   ``bench/bench_models.py`` the per-size standard deviation of log duration runs from 1.5%
   to 8% at 256 MB and above and reaches 29% at 128 MB), and each size is measured as its
   own batch. So the noise at memory ``m`` comes from the measured sizes around it
   (:class:`SizeNoise`): between two measured sizes, their quantiles interpolated (in logs,
   weighted by the distance in log memory), so the spread changes smoothly from one to the
   other; beyond the measured range, the nearest size's. Each size's
   ratios are residuals around its own mean, so they understate the spread of a new
   invocation: with ``n`` invocations they have ``n - 1`` degrees of freedom. Their log
   deviations are therefore scaled by ``sqrt(n / (n - 1))`` (the unbiased variance) and by a
   draw of ``sqrt(dof / chi2(dof))`` (the spread itself is estimated, so the predictive
   distribution has Student-t tails with ``n - 1`` degrees of freedom). A size with a single
   invocation has no spread of its own; there the spread pooled over all sizes is used, with
   ``n - p`` degrees of freedom for ``p`` fitted size means.

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
#: A measured size's own spread is used where it has at least this many invocations (a spread
#: needs two); elsewhere the spread pooled over all sizes.
MIN_LOCAL_SAMPLES = 2


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
class SizeNoise:
    """Per-invocation log ratios to the fitted mean, kept by measured memory size.

    Attributes:
        sizes: Distinct measured sizes (MB), ascending.
        logs: Log ratios ``log(y / fitted mean)`` of the invocations at each size.
        pooled_dof: Residual degrees of freedom of all ratios together (the fallback).
    """

    sizes: np.ndarray
    logs: tuple[np.ndarray, ...]
    pooled_dof: int

    @classmethod
    def from_ratios(cls, memory_mb: np.ndarray, ratios: np.ndarray, pooled_dof: int) -> SizeNoise:
        """Group ``ratios`` (one per invocation) by the invocation's memory size."""
        memory = np.asarray(memory_mb, dtype=float)
        sizes = np.unique(memory)
        logs = tuple(np.log(np.asarray(ratios, dtype=float)[memory == size]) for size in sizes)
        return cls(sizes, logs, pooled_dof)

    def weights(self, memory_mb: float) -> list[tuple[int, float]]:
        """The measured sizes whose spread applies at ``memory_mb``: (index, weight) pairs.

        Between two measured sizes, both, weighted by the distance in log memory; at or beyond
        the ends of the measured range, the nearest size alone.
        """
        at = np.log2(memory_mb)
        logs = np.log2(self.sizes)
        if at <= logs[0]:
            return [(0, 1.0)]
        if at >= logs[-1]:
            return [(len(logs) - 1, 1.0)]
        upper = int(np.searchsorted(logs, at))
        share = float((at - logs[upper - 1]) / (logs[upper] - logs[upper - 1]))
        return [(upper - 1, 1.0 - share), (upper, share)] if share < 1.0 else [(upper, 1.0)]

    def draws(self, memory_mb: float, rng: np.random.Generator) -> np.ndarray:
        """Per-invocation factors for one new invocation at ``memory_mb``, as described above."""
        parts = self._parts(memory_mb)
        if parts is None:
            return self._pooled_draws(rng)
        # Quantile interpolation: the i-th smallest draw is the weighted mean (in logs) of the
        # i-th smallest draws of each size, so the spread moves smoothly from one size's to
        # the next; shuffled, because the draws meet the curve draws in random order.
        combined = np.zeros(INTERVAL_DRAWS)
        for i, weight in parts:
            own = _t_widened(self.logs[i], len(self.logs[i]) - 1, INTERVAL_DRAWS, rng)
            combined += weight * np.sort(own)
        return np.exp(rng.permutation(combined))

    def quantiles(self, memory_mb: float, q: np.ndarray) -> np.ndarray:
        """Plug-in quantiles of the ratio to the fitted mean at ``memory_mb`` (no widening).

        Between two measured sizes, the weighted mean (in logs) of their quantiles.
        """
        parts = self._parts(memory_mb)
        if parts is None:
            return np.quantile(np.exp(np.concatenate(self.logs)), q)
        return np.exp(sum(weight * np.quantile(self.logs[i], q) for i, weight in parts))

    def _parts(self, memory_mb: float) -> list[tuple[int, float]] | None:
        """The weighted sizes at ``memory_mb``, or None when one has too few invocations."""
        parts = [(i, w) for i, w in self.weights(memory_mb) if w > 0.0]
        if any(len(self.logs[i]) < MIN_LOCAL_SAMPLES for i, _ in parts):
            return None
        return parts

    def _pooled_draws(self, rng: np.random.Generator) -> np.ndarray:
        logs = np.concatenate(self.logs)
        return np.exp(_t_widened(logs, max(self.pooled_dof, 1), INTERVAL_DRAWS, rng))


def _t_widened(logs: np.ndarray, dof: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` log factors: ``logs`` resampled around their mean, scaled for an estimated spread.

    The deviations are scaled by ``sqrt(len / dof)`` (unbiased variance) and by
    ``sqrt(dof / chi2(dof))`` (Student-t tails for a spread estimated with ``dof``).
    """
    center = float(np.mean(logs))
    dof = max(dof, 1)
    deviation = logs[rng.integers(0, len(logs), n)] - center
    scale = np.sqrt(len(logs) / dof) * np.sqrt(dof / rng.chisquare(dof, n))
    return center + np.clip(deviation * scale, -MAX_LOG_FACTOR, MAX_LOG_FACTOR)


@dataclass(frozen=True)
class IntervalModel:
    """Everything needed to draw latency samples at any memory size.

    Attributes:
        curves: Bootstrap fits (parameter uncertainty).
        measured_mb: Distinct measured memory sizes.
        kappa: Model-form error per octave (log scale).
        dof: Degrees of freedom of the form-error factor (number of CV folds).
        noise: Per-invocation ratios by measured size (noise).
    """

    curves: list[FittedForm]
    measured_mb: np.ndarray
    kappa: float
    noise: SizeNoise
    dof: int

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
        return mean * self.noise.draws(memory_mb, rng)

    def interval(
        self, memory_mb: float, extra: np.ndarray | None, coverage: float, rng: np.random.Generator
    ) -> tuple[float, float]:
        """Central ``coverage`` interval of one new invocation's latency at ``memory_mb``."""
        tail = (1.0 - coverage) / 2.0
        low, high = np.quantile(self.draws(memory_mb, extra, rng), [tail, 1.0 - tail])
        return float(low), float(high)

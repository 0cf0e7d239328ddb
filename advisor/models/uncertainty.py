"""The predictive distribution: parameter uncertainty, model-form error and per-invocation noise.

The latency of one new invocation at memory ``m`` is drawn by Monte Carlo
(:class:`PredictiveModel`) as the product of three parts, each estimated from the data; its
mean, quantiles and intervals are all read off the same draws
(:class:`~advisor.models.distribution.LatencyDistribution`):

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

from advisor.models.distribution import LatencyDistribution
from advisor.models.forms import FittedForm
from advisor.models.selection import CvResult, Groups, group_index, groups_from_index

#: Monte Carlo draws of the predictive distribution per memory size.
DRAWS = 4000
#: The form-error and noise factors are clipped to [1/20, 20]: a wider interval carries no
#: information, and a Student-t with few degrees of freedom would otherwise overflow.
MAX_LOG_FACTOR = float(np.log(20.0))
#: Relative tolerance of the mean-neutral form error (:func:`_mean_neutral`).
NEUTRAL_RTOL = 1e-9
#: Log shifts searched by :func:`_bisect_shift`: wide enough for any factor and band.
SHIFT_BRACKET = 3.0 * MAX_LOG_FACTOR
#: Bisection steps: the bracket's 18 (log units) halved to float precision (about 1e-18).
#: Fewer (31, about 1e-8) let a difference in the last bit of the input, such as a matrix
#: product rounding a row differently beside other rows, flip a late step: a size's draws
#: then moved by 1e-9 with the other sizes asked for (found by the property test of
#: tests/models/test_distribution.py).
SHIFT_STEPS = 64
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

    def weight_matrix(self, memory_mb: np.ndarray) -> np.ndarray:
        """``(rows, sizes)`` weight of each measured size's spread at each row's memory.

        Between two measured sizes, both, weighted by the distance in log memory; at or beyond
        the ends of the measured range, the nearest size alone.
        """
        logs = np.log2(self.sizes)
        at = np.clip(np.log2(np.asarray(memory_mb, dtype=float)), logs[0], logs[-1])
        weights = np.zeros((len(at), len(logs)))
        if len(logs) == 1:
            weights[:, 0] = 1.0
            return weights
        upper = np.clip(np.searchsorted(logs, at), 1, len(logs) - 1)
        share = (at - logs[upper - 1]) / (logs[upper] - logs[upper - 1])
        rows = np.arange(len(at))
        weights[rows, upper - 1] = 1.0 - share
        weights[rows, upper] += share
        return weights

    def weights(self, memory_mb: float) -> list[tuple[int, float]]:
        """The measured sizes whose spread applies at ``memory_mb``: (index, weight) pairs."""
        row = self.weight_matrix(np.array([memory_mb]))[0]
        return [(int(i), float(row[i])) for i in np.flatnonzero(row > 0.0)]

    def draws(self, memory_mb: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        """``(rows, n)`` per-invocation factors for one new invocation at each row's memory.

        The ``i``-th smallest draw at a memory size is the weighted mean (in logs) of the
        ``i``-th smallest draws of the measured sizes around it (quantile interpolation), so
        the spread moves smoothly from one size's to the next. Rows whose sizes include one
        with fewer than :data:`MIN_LOCAL_SAMPLES` invocations use the pooled spread. The
        random numbers are common to all rows (see :class:`PredictiveModel`).
        """
        enough = np.array([len(logs) >= MIN_LOCAL_SAMPLES for logs in self.logs])
        local = np.zeros((len(self.sizes), n))
        for i in np.flatnonzero(enough):
            local[i] = np.sort(_t_widened(self.logs[i], len(self.logs[i]) - 1, n, rng))
        pooled = _t_widened(np.concatenate(self.logs), max(self.pooled_dof, 1), n, rng)
        # Shuffled, because the factors meet the mean draws in random order.
        order = rng.permutation(n)
        weights = self.weight_matrix(memory_mb)
        use_local = np.all(enough[None, :] | (weights == 0.0), axis=1)
        # A sum per size rather than ``weights @ local``: a matrix product may round a row
        # differently with other rows beside it, and a size's draws must not depend on them.
        mixed = sum(weights[:, i, None] * local[i] for i in range(len(self.sizes)))
        return np.exp(np.where(use_local[:, None], mixed[:, order], pooled[None, :]))


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
class PredictiveModel:
    """Everything needed to draw one new invocation's latency at any memory size.

    Attributes:
        curves: Bootstrap fits (parameter uncertainty).
        measured_mb: Distinct measured memory sizes.
        kappa: Model-form error per octave (log scale).
        noise: Per-invocation ratios by measured size (noise).
        dof: Degrees of freedom of the form-error factor (number of CV folds).
        kappa_below: Form error per octave below the smallest measured size, where memory
            pressure the measured sizes cannot show may slow a function (None: ``kappa``).
    """

    curves: list[FittedForm]
    measured_mb: np.ndarray
    kappa: float
    noise: SizeNoise
    dof: int
    kappa_below: float | None = None

    def distribution(
        self, memory_mb: np.ndarray, extra: np.ndarray | None, rng: np.random.Generator
    ) -> LatencyDistribution:
        """The predictive distribution of one new invocation's latency at each ``memory_mb``.

        Draw ``k`` at every size uses the same random numbers (bootstrap curve, Student-t
        form-error quantile, noise rank): common random numbers. So the draws, and everything
        read off them, change smoothly with memory and do not depend on which other sizes are
        asked for; and beyond the measured range, where the noise is the nearest measured
        size's, each draw stays within the physical band of the same draw at that size.
        """
        memory = np.asarray(memory_mb, dtype=float)
        noise = self.noise.draws(memory, DRAWS, rng)
        pick = rng.integers(0, len(self.curves), DRAWS)
        log_error = self.sigma(memory)[:, None] * rng.standard_t(max(self.dof, 1), DRAWS)[None, :]
        form_error = np.exp(np.clip(log_error, -MAX_LOG_FACTOR, MAX_LOG_FACTOR))
        # (rows, curves) arrays indexed on their last axis give C-ordered (rows, draws)
        # arrays: a row's sums then do not depend on how many rows there are.
        means = np.column_stack([c.predict(memory, extra) for c in self.curves])
        bands = [c.band(memory, extra) for c in self.curves]
        low = np.column_stack([b[0] for b in bands])[:, pick]
        high = np.column_stack([b[1] for b in bands])[:, pick]
        mean = _mean_neutral(means[:, pick], form_error, low, high)
        return LatencyDistribution.from_draws(memory, mean * noise)

    def sigma(self, memory_mb: np.ndarray) -> np.ndarray:
        """Scale (log) of the form-error factor: ``kappa`` x octaves to the nearest measured size
        (``kappa_below`` below the smallest one)."""
        memory = np.asarray(memory_mb, dtype=float)
        rate = np.full(memory.shape, self.kappa)
        if self.kappa_below is not None:
            rate[memory < np.min(self.measured_mb)] = self.kappa_below
        return rate * octaves_to_nearest(memory, self.measured_mb)


def _mean_neutral(
    curve: np.ndarray, form_error: np.ndarray, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """Mean latencies moved by the form error, within the physical band, keeping their mean.

    ``curve * form_error`` clipped to ``[low, high]`` (physics bounds the mean beyond the
    measured sizes) would move the average where the curve sits near an edge of the band:
    a function that stopped speeding up sits at the upper edge above the measured sizes, so
    only the draws below it would survive, and the mean would show a speed-up the data do not.
    The cross-validated form error measures how far off the form is, not in which direction,
    so each row is scaled by the one factor ``exp(shift)`` that keeps the average of its
    clipped draws equal to that of its ``curve`` draws (found by bisection; closed form where
    nothing is clipped).

    Args:
        curve: ``(rows, draws)`` mean latency of each draw's bootstrap curve.
        form_error: ``(rows, draws)`` multiplicative form-error factors.
        low: ``(rows, draws)`` lower edge of each draw's physical band.
        high: ``(rows, draws)`` upper edge (``inf`` where unbounded).

    Returns:
        ``(rows, draws)`` mean latencies within ``[low, high]``.
    """
    target = curve.mean(axis=1)
    moved = curve * form_error
    shift = np.log(target / moved.mean(axis=1))
    clipped = np.clip(moved * np.exp(shift)[:, None], low, high)
    binding = ~np.isclose(clipped.mean(axis=1), target, rtol=NEUTRAL_RTOL, atol=0.0)
    if binding.any():
        shift[binding] = _bisect_shift(
            moved[binding], low[binding], high[binding], target[binding]
        )
        clipped[binding] = np.clip(moved[binding] * np.exp(shift[binding])[:, None],
                                   low[binding], high[binding])
    return clipped


def _bisect_shift(
    moved: np.ndarray, low: np.ndarray, high: np.ndarray, target: np.ndarray
) -> np.ndarray:
    """Per row, the log shift at which the clipped draws average ``target`` (to ~1e-8)."""
    lower = np.full(len(target), -SHIFT_BRACKET)
    upper = np.full(len(target), SHIFT_BRACKET)
    for _ in range(SHIFT_STEPS):
        middle = (lower + upper) / 2.0
        average = np.clip(moved * np.exp(middle)[:, None], low, high).mean(axis=1)
        below = average < target
        lower = np.where(below, middle, lower)
        upper = np.where(below, upper, middle)
    return (lower + upper) / 2.0

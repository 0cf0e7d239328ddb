"""Scoring every candidate memory size from the measurements so far.

After each trial the duration model (:class:`advisor.models.DurationModel`) is fitted to the
successful invocations of every measured size of one architecture, and every allowed size
(1 MB steps) is scored from draws of its *mean* duration (the model's epistemic uncertainty:
bootstrap refits and model-form error, with common random numbers across sizes so that two
sizes' draws can be compared) and of the per-invocation spread (lognormal, its scale drawn
from its posterior given the pooled residuals of all measured sizes):

- the latency percentile ``pXX`` of each draw is ``mean x exp(z_XX s - s^2/2)``;
- a candidate is *feasible* when every objective holds at the :data:`UPPER` quantile of its
  percentile's draws (:mod:`advisor.tune.levels` says how the level was chosen);
- its cost is the price of one invocation at its mean duration (billed ms are the duration
  rounded up, on average half a ms more);
- the *recommendation* is the cheapest feasible candidate (by central cost);
- each candidate's *chance* is the share of draws in which it is feasible and cheaper than the
  recommendation by more than :data:`MATERIAL` (the stopping rule's figure);
- its *gain* is the expected saving over the recommendation counting only the draws in which
  it is feasible: a constrained expected improvement (the sampler's figure). It weighs how
  much a size could save, not only whether it could, so an untried cheap size with even odds
  of meeting the SLA beats one more measurement beside the recommendation.

A size at or below one that failed (out of memory, timeout, error) is infeasible: less memory
does not cure them; and a size between a failure and the smallest size that ran above it is
not recommended until measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import pandas as pd
from scipy import stats

from advisor.models import DurationModel
from advisor.pricing import PriceCatalog
from advisor.pricing.lambda_ import prices
from advisor.sla import Sla
from advisor.tune.levels import COVERAGE, UPPER
from advisor.tune.measure import Measurement
from advisor.units import MB_MS_PER_GB_S, REQUESTS_PER_MILLION

#: Percentiles reported for every size (besides the SLA's own).
REPORTED_PERCENTILES: Final = (50.0, 95.0, 99.0)
#: Draws of the mean curve (and spread) per size.
DRAWS: Final = 256
#: A candidate cheaper than the recommendation by less than this share is not an improvement.
MATERIAL: Final = 0.02
#: The final pick's near tie: sizes within this share of the cheapest feasible one's cost (no
#: material saving, as the search counts one) are a tie, won by the most headroom.
TIE: Final = MATERIAL
#: Bootstrap refits of the duration model per fit (the tuner refits after every trial).
BOOTSTRAP: Final = 60
#: Prior of the per-invocation log spread: Lambda's durations typically scatter 5-10%; it
#: weighs as this many invocations, so a size or two measured with little spread cannot
#: shrink the SLA's tail to nothing.
PRIOR_SPREAD: Final = 0.10
PRIOR_DOF: Final = 2
#: Residuals beyond this many robust scales are outliers, clipped when the spread is estimated.
OUTLIER_SCALES: Final = 3.0
#: Median absolute deviation to the standard deviation of a normal.
MAD_TO_SIGMA: Final = 1.4826
#: Billed ms exceed the duration by half a ms on average (rounded up to 1 ms).
BILLING_ROUNDING_MS: Final = 0.5


@dataclass(frozen=True)
class InvocationPrice:
    """The first-tier price of one invocation, vectorised: ``gb_s x rate + request``."""

    usd_per_gb_s: float
    usd_per_request: float

    @classmethod
    def of(cls, catalog: PriceCatalog, region: str, architecture: str) -> InvocationPrice:
        """The prices of ``architecture`` in ``region`` from the catalog."""
        region_prices, arch_prices = prices(catalog, region, architecture)
        return cls(float(arch_prices.duration.value),
                   float(region_prices.requests.value) / REQUESTS_PER_MILLION)

    def cost(self, memory_mb: np.ndarray, duration_ms: np.ndarray) -> np.ndarray:
        """USD of one invocation of mean ``duration_ms`` at ``memory_mb`` (broadcast)."""
        billed = np.asarray(duration_ms) + BILLING_ROUNDING_MS
        return np.asarray(memory_mb) * billed / MB_MS_PER_GB_S * self.usd_per_gb_s + self.usd_per_request


@dataclass(frozen=True)
class Scores:
    """Every candidate size of one architecture, scored.

    Attributes:
        architecture: The architecture.
        memory_mb: Candidate sizes (ascending).
        mean_ms: Central mean duration of each size.
        mean_low_ms, mean_high_ms: The 90% interval of the mean.
        percentile_ms: ``{percentile: (value, low, high)}`` arrays of each size's latency
            percentile (central, and its 90% interval).
        cost_usd: Central cost of one invocation.
        feasible: Whether the SLA holds at the :data:`UPPER` quantile of each size's draws.
        chance: Share of draws in which the size is feasible and materially cheaper than
            the recommendation.
        gain: Expected saving (a share of the recommendation's cost) of the draws in which the
            size is feasible; where nothing is feasible yet, of the dearest size's cost.
        best: Index of the recommendation (cheapest feasible; the nearest to feasible
            when none is), or None when nothing could be fitted.
        sla_share: Share of draws in which each size meets the SLA.
        excess: Each size's largest ratio of an SLA percentile's :data:`UPPER` quantile to
            its limit (at most 1 where feasible; less is more headroom).
        floor_mb: Largest size that failed (sizes up to it are infeasible), or None.
        form: The duration model's form.
        measured_mb: The sizes whose durations the model was fitted on.
        spread: The draws of the per-invocation log spread.
    """

    architecture: str
    memory_mb: np.ndarray
    mean_ms: np.ndarray
    mean_low_ms: np.ndarray
    mean_high_ms: np.ndarray
    percentile_ms: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]]
    cost_usd: np.ndarray
    feasible: np.ndarray
    chance: np.ndarray
    gain: np.ndarray
    best: int
    sla_share: np.ndarray
    excess: np.ndarray
    floor_mb: int | None
    form: str
    measured_mb: np.ndarray
    spread: np.ndarray

    @property
    def best_memory_mb(self) -> int:
        """The recommended size."""
        return int(self.memory_mb[self.best])

    @property
    def p_feasible(self) -> float:
        """Share of draws in which the recommendation meets the SLA."""
        return float(self.sla_share[self.best])

    def near_measured(self, octaves: float) -> np.ndarray:
        """Whether each size lies within ``octaves`` of a measured size."""
        logs = np.log2(self.memory_mb.astype(float))[:, None]
        return np.min(np.abs(logs - np.log2(self.measured_mb)[None, :]), axis=1) <= octaves

    def confined(self, octaves: float) -> Scores:
        """These scores recommending the final pick: among the feasible sizes within ``octaves``
        of a measured one, the cheapest, or of those within :data:`TIE` of its cost, the
        one with the most headroom under the SLA (unchanged when there is none).

        Sizes whose costs differ by less than :data:`TIE` are a tie as far as the model
        can tell (the search counts no such saving as an improvement); between them the one
        furthest inside the SLA is the safer answer at no material price.
        """
        allowed = self.feasible & self.near_measured(octaves)
        if not allowed.any():
            return self
        cheapest = float(self.cost_usd[allowed].min())
        tied = np.flatnonzero(allowed & (self.cost_usd <= (1.0 + TIE) * cheapest))
        best = int(tied[np.lexsort((self.cost_usd[tied], self.excess[tied]))[0]])
        return replace(self, best=best)

    @property
    def best_feasible(self) -> bool:
        """Whether the recommendation is feasible (some candidate is)."""
        return bool(self.feasible[self.best])

    def max_chance(self) -> float:
        """The largest chance of any candidate of being materially cheaper and feasible."""
        return float(self.chance.max()) if len(self.chance) else 0.0


def failure_floor(measurements: Sequence[Measurement]) -> int | None:
    """The largest size that failed, or None when none did."""
    failed = [m.memory_mb for m in measurements if m.failed]
    return max(failed) if failed else None


def usable_samples(measurements: Sequence[Measurement]) -> pd.DataFrame:
    """Successful durations of the sizes above the failure floor: the model's samples."""
    floor = failure_floor(measurements)
    rows = [(m.memory_mb, d) for m in measurements
            if floor is None or m.memory_mb > floor for d in m.durations_ms() if d > 0]
    return pd.DataFrame(rows, columns=["memory_mb", "duration_ms"])


def fittable(measurements: Sequence[Measurement]) -> bool:
    """Whether the measurements hold successful durations at two or more sizes."""
    return usable_samples(measurements)["memory_mb"].nunique() >= 2


def score(
    measurements: Sequence[Measurement],
    *,
    grid: np.ndarray,
    sla: Sla,
    price: InvocationPrice,
    architecture: str,
    seed: int = 0,
) -> Scores | None:
    """Fit the duration model and score every size of ``grid``; None when it cannot be fitted.

    Args:
        measurements: The trials of this architecture so far.
        grid: Candidate sizes (MB), ascending.
        sla: The objectives (over warm duration).
        price: The price of one invocation.
        architecture: The architecture the measurements ran on.
        seed: Seed of the model's bootstrap and the draws.
    """
    samples = usable_samples(measurements)
    if samples["memory_mb"].nunique() < 2:
        return None
    floor = failure_floor(measurements)
    model = DurationModel(n_bootstrap=BOOTSTRAP, random_state=seed).fit(
        samples[["memory_mb"]], samples["duration_ms"])
    rng = np.random.default_rng((seed, len(samples)))
    memory = np.asarray(grid, dtype=float)
    spread = spread_draws(samples, rng)
    means = mean_draws(model, memory, rng) * level_error(samples, memory, spread, rng)
    levels = sorted(set(REPORTED_PERCENTILES) | {o.percentile for o in sla.objectives})
    percentiles = {p: means * _quantile_factor(p, spread)[None, :] for p in levels}
    allowed = memory > floor if floor is not None else np.ones(len(memory), dtype=bool)
    holds = allowed[:, None] & np.logical_and.reduce(
        [percentiles[o.percentile] <= o.limit_ms for o in sla.objectives])
    excess = np.max([np.quantile(percentiles[o.percentile], UPPER, axis=1) / o.limit_ms
                     for o in sla.objectives], axis=0)
    upper_ok = excess <= 1.0
    # Between the largest failure and the smallest size that ran above it the threshold is
    # unknown: such sizes may be measured (they count in the chance and the gain), but only a
    # size at or above one that ran is recommended.
    proven = memory >= float(samples["memory_mb"].min()) if floor is not None else allowed
    feasible = proven & upper_ok
    cost_draws = price.cost(memory[:, None], means)
    cost = cost_draws.mean(axis=1)
    best = _best(cost, feasible, excess, allowed)
    better = cost_draws < (1.0 - MATERIAL) * cost_draws[best][None, :]
    chance = (better & holds).mean(axis=1)
    reference = cost_draws[best][None, :] if feasible[best] else cost_draws.max(axis=0)[None, :]
    gain = (np.clip(1.0 - cost_draws / reference, 0.0, None) * holds).mean(axis=1)
    tail = (1.0 - COVERAGE) / 2.0
    summary = {p: (np.median(d, axis=1), *np.quantile(d, (tail, 1.0 - tail), axis=1)) for p, d in percentiles.items()}
    low, high = np.quantile(means, (tail, 1.0 - tail), axis=1)
    return Scores(
        architecture=architecture, memory_mb=np.asarray(grid, dtype=np.int64), mean_ms=means.mean(axis=1),
        mean_low_ms=low, mean_high_ms=high,
        percentile_ms={p: (v[0], v[1], v[2]) for p, v in summary.items()},
        cost_usd=cost, feasible=feasible, chance=chance, gain=gain, best=best,
        sla_share=holds.mean(axis=1), excess=excess, floor_mb=floor, form=str(model.form_),
        measured_mb=np.unique(samples["memory_mb"].to_numpy(float)), spread=spread,
    )


def mean_draws(model: DurationModel, memory_mb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``(sizes, DRAWS)`` draws of the mean duration: a bootstrap curve times a form error.

    Draw ``k`` uses the same curve and the same Student-t form-error quantile at every size
    (common random numbers), so differences between sizes are read off the same draw.
    """
    predictive = model.predictive_
    curves = predictive.curves
    pick = rng.integers(0, len(curves), DRAWS)
    extra = np.zeros((len(memory_mb), 0))
    means = np.column_stack([c.predict(memory_mb, extra) for c in curves])[:, pick]
    t = rng.standard_t(max(int(predictive.dof), 1), DRAWS)
    log_error = np.clip(predictive.sigma(memory_mb)[:, None] * t[None, :], -3.0, 3.0)
    return np.maximum(means * np.exp(log_error), 1e-3)


def level_error(samples: pd.DataFrame, memory_mb: np.ndarray, spread: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:
    """``(sizes, DRAWS)`` factors for the error of each measured size's mean level the bootstrap misses.

    A size measured ``n`` times knows its mean to within ``s / sqrt(n)`` (``s`` the spread of
    the same draw), but a bootstrap resample of ``n`` values varies only ``(n - 1) / n`` as
    much: with three invocations a size, two thirds, which left the tuner too sure of sizes
    measured three times (development cases: 5.8% SLA violations). The missing part,
    variance ``s^2 / n^2``, is drawn per measured size and draw; between two measured sizes
    the errors are interpolated in log memory, beyond the measured range the nearest size's
    applies. (Adding the whole ``s / sqrt(n)`` again instead gave 1.9% violations but twice
    the regret.)
    """
    sizes, counts = np.unique(samples["memory_mb"].to_numpy(float), return_counts=True)
    errors = rng.standard_normal((len(sizes), DRAWS)) * spread[None, :] / counts[:, None]
    logs = np.log2(sizes)
    at = np.clip(np.log2(np.asarray(memory_mb, dtype=float)), logs[0], logs[-1])
    if len(logs) == 1:
        return np.exp(np.repeat(errors, len(at), axis=0))
    upper = np.clip(np.searchsorted(logs, at), 1, len(logs) - 1)
    share = ((at - logs[upper - 1]) / (logs[upper] - logs[upper - 1]))[:, None]
    return np.exp((1.0 - share) * errors[upper - 1] + share * errors[upper])


def spread_draws(samples: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """``DRAWS`` draws of the per-invocation log spread ``s`` (scaled inverse chi-square).

    The residuals are each invocation's log duration less its size's median log duration,
    pooled over the sizes, with :data:`PRIOR_SPREAD` weighing as :data:`PRIOR_DOF` invocations.
    Residuals beyond :data:`OUTLIER_SCALES` robust scales (median absolute residual) are
    clipped there: Lambda's occasional outliers (a slow neighbour, a GC pause, 1.5-3x) are rare
    enough to leave a p95 almost where it was, but one of them among twenty invocations would
    otherwise double the estimated spread and with it every size's predicted tail.
    """
    logs = np.log(samples["duration_ms"].to_numpy(float))
    centre = samples.assign(l=logs).groupby("memory_mb")["l"].transform("median").to_numpy()
    residuals = logs - centre
    moved = np.abs(residuals[residuals != 0.0])
    robust = MAD_TO_SIGMA * float(np.median(moved)) if len(moved) else PRIOR_SPREAD
    limit = OUTLIER_SCALES * max(robust, 1e-6)
    clipped = np.clip(residuals, -limit, limit)
    dof = len(logs) - samples["memory_mb"].nunique() + PRIOR_DOF
    scale2 = (float(np.sum(clipped**2)) + PRIOR_DOF * PRIOR_SPREAD**2) / dof
    return np.sqrt(dof * scale2 / rng.chisquare(dof, DRAWS))


def _quantile_factor(percentile: float, spread: np.ndarray) -> np.ndarray:
    """``pXX / mean`` of a lognormal with log spread ``spread`` (one per draw)."""
    z = float(stats.norm.ppf(percentile / 100.0))
    return np.exp(z * spread - spread**2 / 2.0)


def _best(cost: np.ndarray, feasible: np.ndarray, excess: np.ndarray, allowed: np.ndarray) -> int:
    """The cheapest feasible size; when none is, the allowed size nearest to feasible."""
    if feasible.any():
        return int(np.flatnonzero(feasible)[np.argmin(cost[feasible])])
    excess = np.where(allowed, excess, np.inf)
    if not np.isfinite(excess).any():
        return len(cost) - 1
    return int(np.argmin(excess))

"""An oracle tuner for bench_tune.py: a lower bound on the regret any tuner can reach.

The oracle knows each case's true curve *shape* exactly (the interpolated mean against memory)
and the noise's distribution (lognormal sigma 0.1, 2% outliers x U(1.5, 3)); only the level,
a factor ``L`` on every duration (the function a little faster or slower than its curve), is
unknown. It invokes the same virtual function (same noise, outliers included) as many times as
advisor did on the case, estimates ``log L`` and, at a one-sided level ``c``, picks the
cheapest size whose p95 meets the SLA at the upper end of ``L``'s interval.

The interval is the exact one: ``log d = log L + log shape(m) + e`` with ``e`` of a known
density, a location family, so the posterior of ``log L`` under a flat prior (the Pitman
posterior) has exact frequentist coverage, and its ``c`` quantile is the most efficient upper
bound the invocations allow (it weighs an outlier by its likelihood, not by a trimming rule).
Where the invocations were made does not matter: the shape is known, so every invocation
says the same about ``L``.

The bench scores its pick exactly as it scores advisor's: the regret of the true cost and a
violation when the true p95 exceeds the SLA.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy import special, stats
from virtual_function import OUTLIER_HIGH, OUTLIER_LOW, OUTLIER_RATE, SIGMA

#: Grid of the posterior of log L: half-width around the invocations' median, and step.
HALF_WIDTH = 0.6
STEP = 2e-4
#: Quadrature nodes of the outlier component's density (the log of a U(1.5, 3) factor).
NODES = 400
#: The log noise's density is read off a table over this range (10 sigma below the centre to a
#: factor of 12 above: beyond, a posterior's weight is nil either way).
TABLE = np.arange(-1.0, 2.5, STEP / 4)


class Invocable(Protocol):
    """What the oracle calls of the virtual function."""

    def configure(self, memory_mb: int) -> None: ...
    def invoke(self, payload: Any) -> dict[str, Any]: ...


def noise_log_density(e: np.ndarray, sigma: float = SIGMA, outlier_rate: float = OUTLIER_RATE) -> np.ndarray:
    """Log density of one invocation's log noise factor ``sigma Z - sigma^2/2 (+ log U)``."""
    e = np.asarray(e, dtype=float)
    centred = e + sigma**2 / 2.0
    base = np.log1p(-outlier_rate) + stats.norm.logpdf(centred, scale=sigma)
    # log U has density e^u / (high - low) on [log low, log high]: a midpoint rule over it.
    edges = np.linspace(np.log(OUTLIER_LOW), np.log(OUTLIER_HIGH), NODES + 1)
    u = (edges[:-1] + edges[1:]) / 2.0
    weight = np.log(np.exp(u) * np.diff(edges) / (OUTLIER_HIGH - OUTLIER_LOW))
    shifted = stats.norm.logpdf(centred[..., None] - u, scale=sigma) + weight
    outlier = np.log(outlier_rate) + special.logsumexp(shifted, axis=-1)
    return np.logaddexp(base, outlier)


@functools.cache
def _table() -> np.ndarray:
    """The noise's log density at :data:`TABLE` (computed once per process)."""
    return noise_log_density(TABLE)


@dataclass(frozen=True)
class LevelPosterior:
    """The posterior of ``log L`` on a grid (flat prior)."""

    grid: np.ndarray
    cdf: np.ndarray

    @classmethod
    def of(cls, log_ratios: np.ndarray) -> LevelPosterior:
        """From each invocation's ``log(duration / shape(memory))``."""
        centre = float(np.median(log_ratios))
        grid = np.arange(centre - HALF_WIDTH, centre + HALF_WIDTH, STEP)
        residuals = log_ratios[None, :] - grid[:, None]
        log_like = np.interp(residuals, TABLE, _table()).sum(axis=1)
        weight = np.exp(log_like - log_like.max())
        return cls(grid, np.cumsum(weight) / weight.sum())

    def upper(self, level: float) -> float:
        """The one-sided upper bound of ``log L`` at ``level``."""
        return float(np.interp(level, self.cdf, self.grid))


def oracle_picks(target: Invocable, *, memory_mb: np.ndarray, shape_ms: np.ndarray, p95_factor: float,
                 mean_factor: float, sla_ms: float, invocations: int, levels: tuple[float, ...],
                 cost: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> dict[float, int]:
    """The oracle's pick at each confidence level.

    Args:
        target: The virtual function (its noise is the case's own).
        memory_mb: Every allowed size (1 MB steps).
        shape_ms: The true curve at each (the level's factor left out).
        p95_factor, mean_factor: The noise's p95 and mean (a factor on the curve).
        sla_ms: The p95 limit.
        invocations: How many invocations it may make (advisor's count on the case).
        levels: The one-sided confidence levels.
        cost: Cost of one invocation, ``cost(memory_mb, mean_ms)`` (vectorised).
    """
    probe = int(memory_mb[len(memory_mb) // 2])
    target.configure(probe)
    durations = np.array([float(target.invoke({})["duration_ms"]) for _ in range(invocations)])
    posterior = LevelPosterior.of(np.log(durations / shape_ms[int(np.searchsorted(memory_mb, probe))]))
    centre = float(np.exp(posterior.upper(0.5)))
    costs = cost(memory_mb, centre * shape_ms * mean_factor)
    picks = {}
    for level in levels:
        ok = np.exp(posterior.upper(level)) * shape_ms * p95_factor <= sla_ms
        picks[level] = int(memory_mb[np.flatnonzero(ok)[np.argmin(costs[ok])]] if ok.any()
                           else memory_mb[np.argmin(shape_ms)])
    return picks

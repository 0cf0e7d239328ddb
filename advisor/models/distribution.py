"""The predictive distribution of one new invocation's latency at a memory size.

A :class:`LatencyDistribution` holds Monte Carlo draws of one new invocation's latency, one row
per memory size (see :class:`~advisor.models.uncertainty.PredictiveModel` for what a draw is
made of). Everything a model reports is read off these draws: the mean, every quantile and
every central interval, so they agree by construction: quantiles are ordered, the 90% interval
runs from the 5th to the 95th percentile, a narrower interval lies inside a wider one and the
mean lies between the smallest and the largest draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Decimal digits the tail levels of an interval are rounded to.
LEVEL_DIGITS = 12

@dataclass(frozen=True)
class LatencyDistribution:
    """Draws of one new invocation's latency (ms) at each of some memory sizes.

    Attributes:
        memory_mb: The memory size of each row.
        draws: ``(len(memory_mb), n_draws)`` latencies in ms, each row sorted ascending.
    """

    memory_mb: np.ndarray
    draws: np.ndarray

    @classmethod
    def from_draws(cls, memory_mb: np.ndarray, draws: np.ndarray) -> LatencyDistribution:
        """A distribution from unsorted draws (one row per memory size)."""
        values = np.sort(np.asarray(draws, dtype=float), axis=1)
        return cls(np.asarray(memory_mb, dtype=float), values)

    def mean(self) -> np.ndarray:
        """Mean latency (ms) of each row."""
        return self.draws.mean(axis=1)

    def support(self) -> tuple[np.ndarray, np.ndarray]:
        """Smallest and largest draw of each row (ms)."""
        return self.draws[:, 0], self.draws[:, -1]

    def quantiles(self, q: Sequence[float] | np.ndarray) -> np.ndarray:
        """Quantiles at levels ``q`` (each in [0, 1]) of each row: shape ``(rows, len(q))``.

        Linear interpolation between order statistics (numpy's default method), kept between
        the two it interpolates so that float rounding cannot unorder two nearby levels.

        Raises:
            ValueError: A level is outside [0, 1].
        """
        levels = np.asarray(q, dtype=float).ravel()
        if levels.size and not (np.all(levels >= 0.0) and np.all(levels <= 1.0)):
            raise ValueError(f"quantile levels must lie in [0, 1], got {levels.tolist()}")
        position = levels * (self.draws.shape[1] - 1)
        below = np.floor(position).astype(int)
        above = np.minimum(below + 1, self.draws.shape[1] - 1)
        low, high = self.draws[:, below], self.draws[:, above]
        return np.clip(low + (high - low) * (position - below), low, high)

    def interval(self, coverage: float) -> tuple[np.ndarray, np.ndarray]:
        """Central ``coverage`` interval of each row: the ``(1-c)/2`` and ``(1+c)/2`` quantiles.

        Raises:
            ValueError: ``coverage`` is not strictly between 0 and 1.
        """
        if not 0.0 < coverage < 1.0:
            raise ValueError(f"coverage must be between 0 and 1, got {coverage}")
        # Rounded so that e.g. the 90% interval's ends are exactly the 0.05 and 0.95
        # quantiles: (1 - 0.9) / 2 is 0.04999999999999999 in floating point.
        tail = round((1.0 - coverage) / 2.0, LEVEL_DIGITS)
        bounds = self.quantiles((tail, round(1.0 - tail, LEVEL_DIGITS)))
        return bounds[:, 0], bounds[:, 1]

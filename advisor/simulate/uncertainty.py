"""Prediction intervals for a replay's cold-start and throttle counts (Monte Carlo).

One replay is deterministic given its inputs, but a real run of the same arrivals is not:
every request's service time, every cold start's init time and every request's send time
vary. :func:`predict_interval` replays the arrivals ``draws`` times, each time with
per-request service times drawn from the measured service-time distribution, init times
drawn from the measured cold starts (:class:`EmpiricalInit`) and, when given, a send delay
per request drawn from the measured delay distribution, and states the central
``coverage`` quantile range of the counts over the draws.

Draws use common random numbers: draw ``k`` takes the same uniform numbers whatever the
samples are, mapped through the samples' empirical quantile function, so spreading the
samples out spreads each draw's inputs out and nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advisor.errors import UsageError
from advisor.simulate._base import EmpiricalInit, ReplayConfig
from advisor.simulate.engine import replay

DEFAULT_DRAWS = 200
DEFAULT_COVERAGE = 0.95


@dataclass(frozen=True)
class PredictionInterval:
    """The central ``coverage`` range of one count over the Monte Carlo draws.

    Attributes:
        low, high: The ``(1 - coverage) / 2`` and ``(1 + coverage) / 2`` quantiles (counts that
            occurred in the draws: the lower and higher order statistics).
        median: The median over the draws.
        coverage: The nominal probability that a real run lands in ``[low, high]``.
    """

    low: int
    median: float
    high: int
    coverage: float

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in ``[low, high]``."""
        return self.low <= value <= self.high

    def to_dict(self) -> dict[str, float]:
        return {"low": self.low, "median": self.median, "high": self.high, "coverage": self.coverage}


@dataclass(frozen=True)
class ReplayPrediction:
    """Intervals for the counts of one configuration, and the counts of every draw."""

    cold_starts: PredictionInterval
    throttled: PredictionInterval
    cold_draws: np.ndarray
    throttled_draws: np.ndarray

    @property
    def draws(self) -> int:
        return int(self.cold_draws.shape[0])

    def to_dict(self) -> dict[str, object]:
        return {"draws": self.draws, "cold_starts": self.cold_starts.to_dict(),
                "throttled": self.throttled.to_dict()}


def predict_interval(
    arrivals_s: np.ndarray,
    config: ReplayConfig,
    *,
    service_samples_ms: np.ndarray,
    init_samples_ms: np.ndarray,
    arrival_jitter_ms: np.ndarray | None = None,
    draws: int = DEFAULT_DRAWS,
    coverage: float = DEFAULT_COVERAGE,
    seed: int = 0,
) -> ReplayPrediction:
    """Monte Carlo prediction intervals for the cold starts and throttles of a replay.

    Args:
        arrivals_s: Scheduled arrival times in seconds, sorted ascending.
        config: The pool configuration to replay.
        service_samples_ms: Measured service times; each request of each draw gets one at random.
        init_samples_ms: Measured init times of cold starts; each cold start draws one.
        arrival_jitter_ms: Measured delays between a request's scheduled and actual send time
            (``None``: requests arrive on schedule); each request of each draw is late by one.
        draws: Number of replays.
        coverage: Probability the interval is meant to hold, in (0, 1).
        seed: Seed of all draws.

    Returns:
        The intervals and the per-draw counts.

    Raises:
        UsageError: no or invalid samples, ``draws < 1`` or ``coverage`` outside (0, 1).
    """
    if draws < 1:
        raise UsageError(f"draws {draws!r} is not valid.", hint="Use an integer >= 1.")
    if not 0 < coverage < 1:
        raise UsageError(f"coverage {coverage!r} is not valid.", hint="Use a probability between 0 and 1.")
    arrivals = np.asarray(arrivals_s, dtype=np.float64)
    service = _samples(service_samples_ms, "service times")
    init = EmpiricalInit(_samples(init_samples_ms, "init times"))
    jitter = None if arrival_jitter_ms is None else _samples(arrival_jitter_ms, "arrival delays", signed=True)
    rng = np.random.default_rng(seed)
    n = arrivals.shape[0]
    cold = np.empty(draws, np.int64)
    throttled = np.empty(draws, np.int64)
    for k in range(draws):
        u_service, u_jitter = rng.random((2, n))
        late = arrivals if jitter is None else np.sort(arrivals + empirical_quantile(jitter, u_jitter) / 1000.0)
        result = replay(late, empirical_quantile(service, u_service), config, init_ms=init, seed=seed + k)
        cold[k], throttled[k] = int(result.cold.sum()), int(result.throttled.sum())
    return ReplayPrediction(_interval(cold, coverage), _interval(throttled, coverage), cold, throttled)


def _samples(values: np.ndarray, what: str, *, signed: bool = False) -> np.ndarray:
    samples = np.sort(np.asarray(values, dtype=np.float64).ravel())
    if samples.size == 0 or not np.isfinite(samples).all() or (not signed and samples[0] < 0):
        kind = "finite" if signed else "finite, non-negative"
        raise UsageError(f"{what} need at least one {kind} sample in ms.")
    return samples


def empirical_quantile(sorted_samples: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The empirical quantile function (inverted CDF) of ``sorted_samples`` at ``u``."""
    index = np.minimum((u * sorted_samples.shape[0]).astype(np.int64), sorted_samples.shape[0] - 1)
    return sorted_samples[index]


def _interval(counts: np.ndarray, coverage: float) -> PredictionInterval:
    tail = (1.0 - coverage) / 2.0
    return PredictionInterval(
        low=int(np.quantile(counts, tail, method="lower")),
        median=float(np.median(counts)),
        high=int(np.quantile(counts, 1.0 - tail, method="higher")),
        coverage=coverage,
    )

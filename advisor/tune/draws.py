"""The duration model's draws, as per-request service and init times of the traffic.

The tuner hands :func:`advisor.tune.keepwarm.cheapest_keep_warm` draws of the warm duration and
of the init time at one memory size, central and pessimistic. Draws of one value per request
are used request by request; a sample of any other length is mapped onto the requests with
common random numbers: request i gets the sample's quantile at a uniform number fixed by the
seed and i, the same for the central and the pessimistic sample, so the pessimistic replay is
the central one with every request shifted up, not another random run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from advisor.errors import UsageError
from advisor.simulate.uncertainty import empirical_quantile
from advisor.units import MS_PER_S, SECONDS_PER_DAY, SECONDS_PER_HOUR

if TYPE_CHECKING:
    from advisor.simulate.inputs import Trace

#: Streams of the seeded uniforms (service, init), so each is independent of the other.
_SERVICE, _INIT = 0, 1
HOURS_PER_DAY = SECONDS_PER_DAY // SECONDS_PER_HOUR


@dataclass(frozen=True)
class Draws:
    """Service and init times of each request of a trace.

    Attributes:
        service_ms: Warm duration of each request.
        init_ms: Init time of each request, used when it is cold (zeros when unknown).
        init_sample_ms: The init draws, sorted; empty when the init time is unknown.
    """

    service_ms: np.ndarray
    init_ms: np.ndarray
    init_sample_ms: np.ndarray

    @property
    def ping_init_ms(self) -> float:
        """The init time of a ping that finds no warm sandbox: the mean of the init draws, so
        their cold starts are billed as many ms as the requests' on average (0 when unknown)."""
        return float(self.init_sample_ms.mean()) if self.init_sample_ms.size else 0.0

    def in_flight(self, arrivals_s: np.ndarray) -> np.ndarray:
        """Requests in flight (warm) at each arrival, itself included."""
        ends = np.sort(arrivals_s + self.service_ms / MS_PER_S)
        ended = np.searchsorted(ends, arrivals_s, side="right")
        return np.maximum(np.arange(1, arrivals_s.shape[0] + 1) - ended, 1)

    def peak_in_flight(self, arrivals_s: np.ndarray) -> int:
        """The most requests ever in flight at once: instances that serve every request warm."""
        return int(self.in_flight(arrivals_s).max())

    def hourly_in_flight(self, arrivals_s: np.ndarray, quantile: float) -> tuple[list[float], list[float]]:
        """Per UTC hour of day, the ``quantile`` and the most of the requests in flight at
        arrivals (0 for hours without arrivals)."""
        in_flight = self.in_flight(arrivals_s).astype(np.float64)
        hour = ((arrivals_s % SECONDS_PER_DAY) // SECONDS_PER_HOUR).astype(np.int64)
        shape, top = [0.0] * HOURS_PER_DAY, [0.0] * HOURS_PER_DAY
        for h in np.unique(hour):
            values = in_flight[hour == h]
            shape[h], top[h] = float(np.quantile(values, quantile)), float(values.max())
        return shape, top


def draws_for(trace: Trace, warm_ms: np.ndarray, init_ms: np.ndarray | None, *, seed: int, what: str) -> Draws:
    """The per-request draws of ``trace`` (module docstring).

    Raises:
        UsageError: draws that are empty, not 1-D, not finite or negative.
    """
    n = len(trace)
    service = _per_request(_checked(warm_ms, f"{what} warm-duration draws"), n, seed, _SERVICE)
    if init_ms is None:
        return Draws(service, np.zeros(n), np.zeros(0))
    init = _checked(init_ms, f"{what} init-time draws")
    return Draws(service, _per_request(init, n, seed, _INIT), np.sort(init))


def _checked(values: np.ndarray, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise UsageError(f"the {what} must be a non-empty list of milliseconds, got shape {array.shape}.")
    if not np.isfinite(array).all() or (array < 0).any():
        bad = int((~np.isfinite(array) | (array < 0)).sum())
        raise UsageError(f"{bad} of the {what} are not finite numbers >= 0 ms.")
    return array


def _per_request(draws: np.ndarray, n: int, seed: int, stream: int) -> np.ndarray:
    if draws.shape[0] == n:
        return np.ascontiguousarray(draws)
    u = np.random.default_rng([seed, stream]).random(n)
    return empirical_quantile(np.sort(draws), u)

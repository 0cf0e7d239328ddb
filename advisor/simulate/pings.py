"""Scheduled warm-up pings as extra arrivals of a replay (``advisor replay --ping-every``, the tuner's pings).

A ping schedule sends ``concurrency`` requests at once every ``interval``; each lands on its own
sandbox (idle ones first, by the replay's routing rule; new ones when too few are idle), so as
long as the interval is shorter than the keep-alive, ``concurrency`` sandboxes never expire.
The simulator models exactly that when the pings are added to the traffic as arrivals: this
module builds the merged arrivals and says which of them are the traffic's, so a replay's
latency percentiles and cold-start fraction can be taken over the traffic alone while the pings
are billed like any invocation (:mod:`advisor.simulate.billing`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np

from advisor import limits
from advisor.errors import UsageError
from advisor.platform.aws_lambda import OBSERVED_KEEP_ALIVE_S
from advisor.units import SECONDS_PER_MINUTE, format_duration

if TYPE_CHECKING:
    from advisor.pricing import PriceCatalog
    from advisor.simulate._base import InitSpec, ReplayConfig, ReplayResult

#: What a warm-up ping runs for: the handler recognises the ping event and returns before any
#: model work (a few ms of Python); billed as Lambda rounds it (1 ms steps).
PING_DURATION_MS: Final = 10.0


@dataclass(frozen=True)
class Pings:
    """``concurrency`` warm-up pings sent at once every ``interval_s``."""

    interval_s: float
    concurrency: int = 1

    def __post_init__(self) -> None:
        if not (math.isfinite(self.interval_s) and self.interval_s > 0):
            raise UsageError(f"ping interval {self.interval_s!r} s is not valid.", hint="Use a time above 0, e.g. 4m.")
        limits.INSTANCES.check(self.concurrency, option="ping concurrency")
        if self.concurrency < 1:
            raise UsageError("ping concurrency 0 sends no ping.", hint="Use 1 or more, or no pings.")

    def __str__(self) -> str:
        return f"{self.concurrency} every {format_duration(self.interval_s)}"


def ping_interval_s(keep_alive_s: float) -> float:
    """The interval of the pings: the largest whole minute below the keep-alive.

    The keep-alive bound is the shorter of ``keep_alive_s`` and the shortest keep-alive observed
    on Lambda (:data:`~advisor.platform.aws_lambda.OBSERVED_KEEP_ALIVE_S`): the simulator
    assumes the longest one, and pings timed to it would leave sandboxes cold where Lambda
    reaps them sooner. Shorter intervals keep no more sandboxes warm and cost more pings.
    """
    bound = min(keep_alive_s, OBSERVED_KEEP_ALIVE_S[0])
    minutes = math.ceil(bound / SECONDS_PER_MINUTE) - 1
    return float(max(minutes, 1) * SECONDS_PER_MINUTE) if bound > SECONDS_PER_MINUTE else bound / 2


@dataclass(frozen=True)
class PingLayout:
    """Traffic and pings merged in arrival order.

    Attributes:
        arrivals_s: Every arrival, sorted (at one instant, the traffic's before the pings).
        traffic_at: Where each traffic request sits among the merged arrivals.
        ping_at: Where each ping sits.
    """

    arrivals_s: np.ndarray
    traffic_at: np.ndarray
    ping_at: np.ndarray

    @property
    def pings(self) -> int:
        """Number of pings."""
        return int(self.ping_at.shape[0])

    def merge(self, traffic: np.ndarray, pings: float | np.ndarray) -> np.ndarray:
        """One value per merged arrival: ``traffic`` at the traffic's places, ``pings`` at the pings'."""
        merged = np.empty(self.arrivals_s.shape[0], np.float64)
        merged[self.traffic_at] = traffic
        merged[self.ping_at] = pings
        return merged


def with_pings(arrivals_s: np.ndarray, interval_s: float, concurrency: int) -> PingLayout:
    """The traffic's arrivals with ``concurrency`` pings every ``interval_s`` over its span.

    The pings start at the first arrival and stop at the last.

    Args:
        arrivals_s: The traffic's arrival times, sorted ascending (at least one).
        interval_s: Seconds between ping rounds (> 0).
        concurrency: Pings sent at once each round (>= 1).
    """
    first, last = float(arrivals_s[0]), float(arrivals_s[-1])
    rounds = first + interval_s * np.arange(int((last - first) // interval_s) + 1, dtype=np.float64)
    # a ping goes after the traffic that arrives at the same instant
    before = np.repeat(np.searchsorted(arrivals_s, rounds, side="right"), concurrency)
    n = arrivals_s.shape[0]
    traffic_at = np.arange(n) + np.searchsorted(before, np.arange(n), side="right")
    ping_at = before + np.arange(before.shape[0])
    layout = PingLayout(np.empty(n + before.shape[0], np.float64), traffic_at, ping_at)
    layout.arrivals_s[traffic_at] = arrivals_s
    layout.arrivals_s[ping_at] = np.repeat(rounds, concurrency)
    return layout


def replay_with_pings(
    arrivals_s: np.ndarray,
    service_ms: np.ndarray,
    config: ReplayConfig,
    pings: Pings,
    *,
    init_ms: InitSpec,
    ping_init_ms: float | np.ndarray = 0.0,
    seed: int = 0,
    catalog: PriceCatalog | None = None,
) -> tuple[ReplayResult, PingLayout]:
    """Replay the traffic with ``pings`` added (:func:`advisor.simulate.replay` of the merged arrivals).

    Args:
        arrivals_s, service_ms: The traffic's requests.
        config: The pool configuration.
        pings: The ping schedule; each ping runs :data:`PING_DURATION_MS`.
        init_ms: As :func:`~advisor.simulate.replay` takes it, for the traffic's requests; a
            per-request array gets ``ping_init_ms`` at the pings' places.
        ping_init_ms: Init time of each ping (or one for all), used with a per-request ``init_ms``.
        seed: Seed of the replay.
        catalog: Prices; the cost covers every job, pings included.

    Returns:
        The result of every job, pings included (``.only(layout.traffic_at)`` is the traffic's
        view), and where the traffic and the pings sit among the jobs.
    """
    from advisor.simulate.engine import replay

    layout = with_pings(np.asarray(arrivals_s, dtype=np.float64), pings.interval_s, pings.concurrency)
    init: InitSpec = init_ms
    if isinstance(init_ms, np.ndarray) and init_ms.ndim == 1:
        init = layout.merge(init_ms, ping_init_ms)
    result = replay(layout.arrivals_s, layout.merge(service_ms, PING_DURATION_MS), config, init_ms=init, seed=seed,
                    catalog=catalog)
    return result, layout

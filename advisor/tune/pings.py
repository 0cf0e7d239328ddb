"""Scheduled warm-up pings as extra arrivals of a replay.

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
from typing import Final

import numpy as np

from advisor.platform.aws_lambda import OBSERVED_KEEP_ALIVE_S
from advisor.units import SECONDS_PER_MINUTE

#: What a warm-up ping runs for: the handler recognises the ping event and returns before any
#: model work (a few ms of Python); billed as Lambda rounds it (1 ms steps).
PING_DURATION_MS: Final = 10.0


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

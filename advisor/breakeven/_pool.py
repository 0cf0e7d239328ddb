"""Replays the platform models share: GPU batches through the simulator, and billed sessions.

A GPU batch closes as the simulator's batch mode says (:func:`advisor.simulate.batching.form_batches`:
at most ``batch`` requests, waiting at most ``batch_wait_ms`` after the first), but its GPU time
is the fitted curve at the batch's own size rather than its longest member's, since a GPU
serves a batch of 32 more slowly than one of 1. The batches are replayed as jobs by
:func:`advisor.simulate.replay`; each request's latency is its wait for the batch to close plus
its batch's latency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advisor.breakeven._base import Service
from advisor.simulate import ReplayConfig, ReplayResult, replay
from advisor.simulate.batching import form_batches
from advisor.units import MS_PER_S


@dataclass(frozen=True)
class BatchedRun:
    """A replay of GPU batches.

    Attributes:
        result: The replay of the batches (one job each).
        arrival_s: Each batch's close time (its arrival at the pool).
        service_ms: Each batch's GPU time.
        latency_ms: Each request's end-to-end latency (NaN: rejected).
        cold: Each request's batch met a cold start.
    """

    result: ReplayResult
    arrival_s: np.ndarray
    service_ms: np.ndarray
    latency_ms: np.ndarray
    cold: np.ndarray


def form_gpu_batches(arrivals_s: np.ndarray, service: Service) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batches of ``arrivals_s``: each one's close time and GPU time, and each request's batch."""
    assert service.gpu is not None
    close, _, _, batch_of = form_batches(np.ascontiguousarray(arrivals_s, dtype=np.float64),
                                         np.zeros(arrivals_s.shape[0]), service.batch,
                                         service.batch_wait_ms / MS_PER_S)
    return close, service.gpu.ms(np.bincount(batch_of, minlength=close.shape[0])), batch_of


def replay_batches(arrivals_s: np.ndarray, service: Service, config: ReplayConfig, *, init_ms: float = 0.0,
                   seed: int = 0) -> BatchedRun:
    """Replay ``arrivals_s`` as GPU batches (``service.batch``, ``service.batch_wait_ms``) under ``config``."""
    close, gpu_ms, batch_of = form_gpu_batches(arrivals_s, service)
    result = replay(close, gpu_ms, config, init_ms=init_ms, seed=seed)
    wait_ms = (close[batch_of] - arrivals_s) * MS_PER_S
    return BatchedRun(result, close, gpu_ms, result.latency_ms[batch_of] + wait_ms, result.cold[batch_of])


@dataclass(frozen=True)
class Sessions:
    """Each on-demand instance's life, from its first job's arrival to its expiry (seconds).

    Attributes:
        life_s: From its first job's arrival to ``keep_alive_s`` after its last job ended.
        busy_s: Serving jobs (summed over jobs; above ``life_s`` when it serves several at once).
        cold_s: Starting (init) before its first job.
    """

    life_s: np.ndarray
    busy_s: np.ndarray
    cold_s: np.ndarray

    @property
    def idle_s(self) -> np.ndarray:
        """Alive without work (never negative)."""
        return np.maximum(self.life_s - self.busy_s - self.cold_s, 0.0)


def sessions(result: ReplayResult, arrival_s: np.ndarray, service_ms: np.ndarray, keep_alive_s: float,
             init_ms: float) -> Sessions:
    """The on-demand instances' sessions of a replay without queueing (jobs start at arrival).

    Provisioned instances are left out: they are billed for the whole horizon by the caller.
    """
    on_demand = (~result.throttled) & (~result.on_provisioned)
    ids, instance = np.unique(result.instance[on_demand], return_inverse=True)
    start = arrival_s[on_demand]
    end = start + result.latency_ms[on_demand] / MS_PER_S
    first = np.full(ids.size, np.inf)
    last = np.full(ids.size, -np.inf)
    np.minimum.at(first, instance, start)
    np.maximum.at(last, instance, end)
    busy = np.bincount(instance, weights=service_ms[on_demand] / MS_PER_S, minlength=ids.size)
    cold = np.bincount(instance, weights=result.cold[on_demand] * (init_ms / MS_PER_S), minlength=ids.size)
    return Sessions(last - first + keep_alive_s, busy, cold)


def busy_periods_s(instance: np.ndarray, start_s: np.ndarray, end_s: np.ndarray, granularity_s: float) -> np.ndarray:
    """Per instance, the lengths of the periods it served at least one request, each rounded up to
    ``granularity_s`` (overlapping requests on one instance make one period)."""
    if instance.size == 0:
        return np.zeros(0)
    order = np.lexsort((start_s, instance))
    inst, start, end = instance[order], start_s[order], end_s[order]
    new_instance = np.r_[True, inst[1:] != inst[:-1]]
    # running end within each instance: offset instances apart so one accumulate serves all
    offset = (end.max() - start.min() + 1.0) * np.cumsum(new_instance)
    reach = np.maximum.accumulate(end + offset) - offset
    opens = new_instance | np.r_[True, start[1:] > reach[:-1]]
    group = np.cumsum(opens) - 1
    lengths = np.zeros(int(group[-1]) + 1)
    np.maximum.at(lengths, group, reach - start[opens][group])
    return np.ceil(np.round(lengths / granularity_s, 6)) * granularity_s

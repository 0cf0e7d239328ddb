"""``replay``: run arrivals and service times through the simulated instance pool."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from advisor import limits
from advisor.errors import UsageError
from advisor.simulate import _fast, _kernel
from advisor.simulate._base import EmpiricalInit, InitSpec, ReplayConfig, ReplayResult
from advisor.simulate.batching import form_batches
from advisor.simulate.billing import NO_CATALOG, replay_cost
from advisor.simulate.routing import routing_code
from advisor.units import MS_PER_S, SECONDS_PER_DAY

if TYPE_CHECKING:
    from advisor.pricing import PriceCatalog

MS = 1 / MS_PER_S
UNLIMITED = 2**62


def replay(
    arrivals_s: np.ndarray,
    service_ms: np.ndarray,
    config: ReplayConfig | None = None,
    *,
    init_ms: InitSpec = 0.0,
    seed: int = 0,
    catalog: PriceCatalog | None = None,
) -> ReplayResult:
    """Replay requests through a pool of instances under ``config``.

    Args:
        arrivals_s: Arrival times in seconds (epoch or relative), sorted ascending.
        service_ms: Per-request service (handler) time in ms at the replayed memory size.
        config: The pool configuration (default: Lambda-like, see :class:`ReplayConfig`).
        init_ms: Cold-start init time: a constant, a per-request array (used when that
            request is cold), or :class:`EmpiricalInit` samples drawn with ``seed``.
        seed: Seed for random routing and empirical init draws.
        catalog: The prices to cost the replay with (:func:`advisor.simulate.billing.replay_cost`);
            without one the result has no cost.

    Returns:
        The per-request results and pool statistics; ``.summary()`` gives the summary dict.

    Raises:
        UsageError: Inputs of different lengths, unsorted arrivals, negative times.
    """
    config = config or ReplayConfig()
    # contiguous and writable: numba compiles read-only arrays (pyarrow's) as another type
    arrival = np.require(arrivals_s, np.float64, ["C", "W"])
    service = np.require(service_ms, np.float64, ["C", "W"])
    # Times from the first arrival: epoch seconds (1.7e9) keep only 0.2 us in a float64, enough
    # to bill 36812.0 ms as 36813; relative times keep picoseconds. Schedules stay on the clock.
    t0 = float(arrival[0]) if arrival.shape[0] and np.isfinite(arrival[0]) else 0.0
    arrival = arrival - t0
    pool = min(arrival.shape[0], config.max_concurrency or arrival.shape[0]) + config.provisioned_peak
    limits.check_replay_size(arrival.shape[0], pool, config.per_instance_concurrency)
    warm_kernels()
    started = time.perf_counter()
    _check_inputs(arrival, service)
    init_mode, init_values = _init_arrays(init_ms, arrival.shape[0])
    batch_of = None
    jobs_arrival, jobs_service = arrival, service
    if config.batch_size > 1:
        jobs_arrival, jobs_service, first, batch_of = form_batches(
            arrival, service, config.batch_size, config.batch_wait_ms * MS
        )
        if init_mode == _kernel.INIT_PER_JOB:
            init_values = init_values[first]
    sched_t, sched_n = _schedule(config, jobs_arrival + t0)
    sched_t = sched_t - t0
    latency, cold, throttled, instance, on_prov, placed, stats = _run(
        jobs_arrival, jobs_service, init_mode, init_values, config, sched_t, sched_n, seed
    )
    latency *= MS_PER_S
    sim_wall_seconds = time.perf_counter() - started
    # what each job kept its instance busy (init and service, without any queueing wait)
    held_ms = latency - (placed - jobs_arrival) * MS_PER_S
    if catalog is not None:
        cost, cost_note = replay_cost(config, throttled, on_prov, held_ms, float(stats[_kernel.ST_PROV_ALIVE]), catalog)
    else:
        cost, cost_note = None, NO_CATALOG
    if batch_of is not None:
        wait_ms = (jobs_arrival[batch_of] - arrival) * MS_PER_S
        latency, cold, throttled = latency[batch_of] + wait_ms, cold[batch_of], throttled[batch_of]
        instance, on_prov = instance[batch_of], on_prov[batch_of]
    return ReplayResult(
        latency_ms=latency,
        cold=cold,
        throttled=throttled,
        instance=instance,
        on_provisioned=on_prov,
        busy_s=float(stats[_kernel.ST_BUSY]),
        alive_s=float(stats[_kernel.ST_ALIVE]),
        provisioned_s=float(stats[_kernel.ST_PROV_ALIVE]),
        max_instances=int(stats[_kernel.ST_MAX_LIVE]),
        horizon_s=float(stats[_kernel.ST_END] - stats[_kernel.ST_START]),
        sim_wall_seconds=sim_wall_seconds,
        config=config,
        cost=cost,
        cost_note=cost_note,
    )


def warm_kernels() -> None:
    """Load both kernels (compiling them the first time ever), outside any timed replay.

    Both are warmed together, whatever the configuration: the general kernel used to compile
    inside the first replay that needed it (provisioned concurrency, queueing...).
    """
    if _kernel.run_kernel.signatures and _fast.run_fast.signatures:
        return
    one = np.zeros(1, np.float64)
    lambda_like = ReplayConfig()
    general = ReplayConfig(provisioned=1)
    _run(one, one, _kernel.INIT_CONSTANT, one, lambda_like, one[:0], np.zeros(0, np.int64), 0)
    _run(one, one, _kernel.INIT_CONSTANT, one, general, one, np.ones(1, np.int64), 0)


def in_fast_domain(config: ReplayConfig) -> bool:
    """Whether ``config`` is in the fast kernel's domain (see ``advisor/simulate/_fast.py``)."""
    return (
        config.per_instance_concurrency == 1
        and (config.on_limit == "reject" or config.max_concurrency is None)
        and config.provisioned == 0
        and config.provisioned_schedule is None
        and config.max_lifetime_s is None
        and config.routing != "random"
    )


def _run(arrival, service, init_mode, init_values, config, sched_t, sched_n, seed):
    """Call the kernel (the fast one where it applies), doubling its slot capacity until the pool fits."""
    n_jobs = arrival.shape[0]
    latency = np.empty(n_jobs, np.float64)
    cold = np.zeros(n_jobs, np.bool_)
    throttled = np.zeros(n_jobs, np.bool_)
    instance = np.empty(n_jobs, np.int32)
    on_prov = np.zeros(n_jobs, np.bool_)
    placed = arrival.copy()  # the fast kernel never queues: every job is placed at its arrival
    slots = _kernel.INITIAL_SLOTS
    while slots <= config.provisioned_peak:
        slots *= 2
    fast = in_fast_domain(config)
    while True:
        if fast:
            stats = _fast.run_fast(
                arrival, service, MS, init_mode, init_values, float(config.keep_alive_s),
                routing_code(config.routing),
                UNLIMITED if config.max_concurrency is None else int(config.max_concurrency),
                int(seed), latency, cold, throttled, instance, slots,
            )
        else:
            stats = _kernel.run_kernel(
                arrival,
                service,
                MS,
                init_mode,
                init_values,
                float(config.keep_alive_s),
                math.inf if config.max_lifetime_s is None else float(config.max_lifetime_s),
                routing_code(config.routing),
                UNLIMITED if config.max_concurrency is None else int(config.max_concurrency),
                config.on_limit == "queue",
                int(config.per_instance_concurrency),
                sched_t,
                sched_n,
                int(seed),
                latency,
                cold,
                throttled,
                instance,
                on_prov,
                placed,
                slots,
            )
        if not stats[_kernel.ST_OVERFLOW]:
            return latency, cold, throttled, instance, on_prov, placed, stats
        slots *= 2
        for flags in (cold, throttled, on_prov):
            flags[:] = False


def _check_inputs(arrival: np.ndarray, service: np.ndarray) -> None:
    if arrival.ndim != 1 or service.shape != arrival.shape:
        raise UsageError(
            f"arrivals ({arrival.shape}) and service times ({service.shape}) must be 1-D and of one length."
        )
    bad_arrival, bad_service = _first_bad(arrival, service)
    if bad_arrival >= 0:
        raise UsageError(f"arrival time {arrival[bad_arrival]!r} of request {bad_arrival} is not finite or "
                         "comes before the one above it.", hint="Sort the trace by time.")
    if bad_service >= 0:
        raise UsageError(f"service time {service[bad_service]!r} ms of request {bad_service} is not a finite "
                         "number >= 0.")


@njit(cache=True)
def _first_bad(arrival: np.ndarray, service: np.ndarray) -> tuple[int, int]:
    """Index of the first unsorted or non-finite arrival and of the first bad service (-1: none)."""
    bad_a = bad_s = -1
    previous = -np.inf
    for i in range(arrival.shape[0]):
        t = arrival[i]
        if bad_a < 0 and not (np.isfinite(t) and t >= previous):
            bad_a = i
        previous = t
        s = service[i]
        if bad_s < 0 and not (np.isfinite(s) and s >= 0):
            bad_s = i
    return bad_a, bad_s


def _init_arrays(init_ms: InitSpec, n: int) -> tuple[int, np.ndarray]:
    if isinstance(init_ms, EmpiricalInit):
        return _kernel.INIT_EMPIRICAL, init_ms.samples_ms * MS
    values = np.asarray(init_ms, dtype=np.float64)
    if values.ndim == 0:
        if not (math.isfinite(float(values)) and float(values) >= 0):
            raise UsageError(f"init time {float(values)!r} ms is not a finite number >= 0.")
        return _kernel.INIT_CONSTANT, values.reshape(1) * MS
    if values.shape != (n,):
        raise UsageError(f"per-request init times have shape {values.shape}, expected ({n},).")
    if n and not (np.isfinite(values).all() and values.min() >= 0):
        raise UsageError("per-request init times must be finite numbers >= 0 (use 0 where unknown).")
    return _kernel.INIT_PER_JOB, values * MS


def _schedule(config: ReplayConfig, arrival: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if arrival.size == 0:
        return np.zeros(0, np.float64), np.zeros(0, np.int64)
    if config.provisioned_schedule is not None:
        return config.provisioned_schedule.change_points(float(arrival[0]), float(arrival[-1]) + SECONDS_PER_DAY)
    if config.provisioned:
        return np.array([arrival[0]], np.float64), np.array([config.provisioned], np.int64)
    return np.zeros(0, np.float64), np.zeros(0, np.int64)

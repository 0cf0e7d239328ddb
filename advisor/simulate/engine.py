"""``replay``: run arrivals and service times through the simulated instance pool."""

from __future__ import annotations

import math
import time
from decimal import Decimal

import numpy as np
from numba import njit

from advisor.errors import UsageError
from advisor.simulate import _fast, _kernel
from advisor.simulate._base import EmpiricalInit, InitSpec, ReplayConfig, ReplayResult
from advisor.simulate.batching import form_batches
from advisor.simulate.routing import routing_code
from advisor.simulate.schedule import DAY_S

MS = 0.001
UNLIMITED = 2**62


def replay(
    arrivals_s: np.ndarray,
    service_ms: np.ndarray,
    config: ReplayConfig | None = None,
    *,
    init_ms: InitSpec = 0.0,
    seed: int = 0,
) -> ReplayResult:
    """Replay requests through a pool of instances under ``config``.

    Args:
        arrivals_s: Arrival times in seconds (epoch or relative), sorted ascending.
        service_ms: Per-request service (handler) time in ms at the replayed memory size.
        config: The pool configuration (default: Lambda-like, see :class:`ReplayConfig`).
        init_ms: Cold-start init time: a constant, a per-request array (used when that
            request is cold), or :class:`EmpiricalInit` samples drawn with ``seed``.
        seed: Seed for random routing and empirical init draws.

    Returns:
        The per-request results and pool statistics; ``.summary()`` gives the summary dict.

    Raises:
        UsageError: Inputs of different lengths, unsorted arrivals, negative times.
    """
    config = config or ReplayConfig()
    _load_kernel()
    started = time.perf_counter()
    # contiguous and writable: numba compiles read-only arrays (pyarrow's) as another type
    arrival = np.require(arrivals_s, np.float64, ["C", "W"])
    service = np.require(service_ms, np.float64, ["C", "W"])
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
    sched_t, sched_n = _schedule(config, jobs_arrival)
    latency, cold, throttled, instance, on_prov, stats = _run(
        jobs_arrival, jobs_service, init_mode, init_values, config, sched_t, sched_n, seed
    )
    latency *= 1000.0
    if batch_of is not None:
        wait_ms = (jobs_arrival[batch_of] - arrival) * 1000.0
        latency, cold, throttled = latency[batch_of] + wait_ms, cold[batch_of], throttled[batch_of]
        instance, on_prov = instance[batch_of], on_prov[batch_of]
    result = ReplayResult(
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
        sim_wall_seconds=0.0,
        config=config,
    )
    result.cost_usd = replay_cost(result)
    result.sim_wall_seconds = time.perf_counter() - started
    return result


def _load_kernel() -> None:
    """Load (or compile, the first time ever) the kernel outside the timed replay."""
    one = np.zeros(1, np.float64)
    if not _kernel.run_kernel.signatures:
        _run(one, one, _kernel.INIT_CONSTANT, one, ReplayConfig(), one, np.ones(1, np.int64), 0)
    if not _fast.run_fast.signatures:
        _run(one, one, _kernel.INIT_CONSTANT, one, ReplayConfig(), one[:0], np.zeros(0, np.int64), 0)


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


def _run(arrival, service, init_mode, init_values, config, sched_t, sched_n, seed):  # noqa: PLR0913
    """Call the kernel (the fast one where it applies), doubling its slot capacity until the pool fits."""
    n_jobs = arrival.shape[0]
    latency = np.empty(n_jobs, np.float64)
    cold = np.zeros(n_jobs, np.bool_)
    throttled = np.zeros(n_jobs, np.bool_)
    instance = np.empty(n_jobs, np.int32)
    on_prov = np.zeros(n_jobs, np.bool_)
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
                slots,
            )
        if not stats[_kernel.ST_OVERFLOW]:
            return latency, cold, throttled, instance, on_prov, stats
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
        return config.provisioned_schedule.change_points(float(arrival[0]), float(arrival[-1]) + DAY_S)
    if config.provisioned:
        return np.array([arrival[0]], np.float64), np.array([config.provisioned], np.int64)
    return np.zeros(0, np.float64), np.zeros(0, np.int64)


def replay_cost(result: ReplayResult) -> Decimal | None:
    """Lambda cost of a replay through the pricing engine, or ``None``.

    ``None`` when the configuration has no memory size, is not Lambda-shaped (queueing,
    per-instance concurrency or batching have no Lambda price), or the pricing engine is not
    installed. Billed time per served request is its latency rounded up to the ms: init is
    billed since August 2025 and nothing waits in a Lambda pool.
    """
    config = result.config
    lambda_shaped = config.on_limit == "reject" and config.per_instance_concurrency == 1 and config.batch_size == 1
    if config.memory_mb is None or not lambda_shaped:
        return None
    try:
        from advisor.pricing import lambda_records_cost, provisioned_cost
    except ImportError:
        return None
    served = ~result.throttled
    billed = np.ceil(result.latency_ms[served])
    records = lambda_records_cost(
        billed, config.memory_mb, region=config.region, arch=config.arch, on_provisioned=result.on_provisioned[served]
    )
    allocation = provisioned_cost(1, config.memory_mb, result.provisioned_s / 3600.0, region=config.region,
                                  arch=config.arch) if result.provisioned_s > 0 else Decimal(0)
    return records.total_usd + allocation

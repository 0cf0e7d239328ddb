"""The replay contract: configuration in, per-request results and a summary out."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from advisor import limits
from advisor.errors import UsageError
from advisor.platform.aws_lambda import (
    DEFAULT_ARCH,
    DEFAULT_KEEP_ALIVE_S,
    DEFAULT_REGION,
    check_architecture,
    check_memory_mb,
)
from advisor.simulate.routing import DEFAULT_ROUTING, routing_code
from advisor.simulate.schedule import ProvisionedSchedule
from advisor.sla import Objective

if TYPE_CHECKING:
    from advisor.pricing import CostBreakdown

__all__ = ["DEFAULT_KEEP_ALIVE_S", "EmpiricalInit", "InitSpec", "ReplayConfig", "ReplayResult"]
#: Percentiles of the summary, by name.
PERCENTILES: dict[str, float] = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "p999": 99.9}

OnLimit = Literal["reject", "queue"]


@dataclass(frozen=True)
class EmpiricalInit:
    """Cold-start init times drawn (with the replay's seed) from observed samples, in ms."""

    samples_ms: np.ndarray

    def __post_init__(self) -> None:
        samples = np.asarray(self.samples_ms, dtype=np.float64)
        if samples.size == 0 or not np.isfinite(samples).all() or (samples < 0).any():
            raise UsageError("empirical init times need at least one finite, non-negative sample.")
        object.__setattr__(self, "samples_ms", samples)


InitSpec = float | np.ndarray | EmpiricalInit


@dataclass(frozen=True)
class ReplayConfig:
    """One configuration of the simulated pool (see docs/replay.md for the semantics).

    Attributes:
        keep_alive_s: Idle seconds before an on-demand instance expires (``math.inf``: never).
        provisioned: Pre-warmed instances that never expire and are used first.
        provisioned_schedule: Provisioned count by time of day; replaces ``provisioned``.
        routing: ``mru``, ``lru``, ``newest``, ``oldest`` or ``random``.
        max_concurrency: At most this many instances (``None``: unlimited).
        on_limit: At the limit, ``reject`` (Lambda throttling) or ``queue`` (FIFO).
        per_instance_concurrency: Requests one instance serves at once, each at its own
            service time (independent slots, no slowdown).
        batch_size: At most this many requests served together as one batch.
        batch_wait_ms: A batch closes this long after its first request at the latest.
        max_lifetime_s: An on-demand instance retires this long after its creation.
        memory_mb: Memory for the cost (``None``: no cost).
        region: Pricing region.
        arch: ``x86_64`` or ``arm64`` for the cost.
    """

    keep_alive_s: float = DEFAULT_KEEP_ALIVE_S
    provisioned: int = 0
    provisioned_schedule: ProvisionedSchedule | None = None
    routing: str = DEFAULT_ROUTING
    max_concurrency: int | None = None
    on_limit: OnLimit = "reject"
    per_instance_concurrency: int = 1
    batch_size: int = 1
    batch_wait_ms: float = 0.0
    max_lifetime_s: float | None = None
    memory_mb: int | None = None
    region: str = DEFAULT_REGION
    arch: str = DEFAULT_ARCH

    def __post_init__(self) -> None:
        routing_code(self.routing)
        limits.KEEP_ALIVE_S.check(self.keep_alive_s, option="keep-alive")
        limits.INSTANCES.check(self.provisioned, option="provisioned")
        limits.PER_INSTANCE_CONCURRENCY.check(self.per_instance_concurrency, option="per-instance-concurrency")
        limits.BATCH.check(self.batch_size, option="batch")
        limits.BATCH_WAIT_MS.check(self.batch_wait_ms, option="batch-wait-ms")
        _need(self.on_limit in ("reject", "queue"), "on-limit", self.on_limit, "reject or queue")
        check_architecture(self.arch)
        if self.memory_mb is not None:
            check_memory_mb(self.memory_mb, option="memory")
        if self.max_lifetime_s is not None:
            limits.LIFETIME_S.check(self.max_lifetime_s, option="max-lifetime")
        if self.max_concurrency is not None:
            limits.CONCURRENCY_LIMIT.check(self.max_concurrency, option="max-concurrency")
            peak = self.provisioned_peak
            _need(peak <= self.max_concurrency, "provisioned", peak,
                  f"at most the max concurrency ({self.max_concurrency})")
        if self.provisioned and self.provisioned_schedule is not None:
            raise UsageError("give either provisioned instances or a provisioned schedule, not both.")

    @property
    def provisioned_peak(self) -> int:
        """The most provisioned instances this configuration ever holds."""
        return self.provisioned_schedule.peak if self.provisioned_schedule else self.provisioned


def _need(ok: bool, what: str, value: Any, expected: str) -> None:
    if not ok:
        raise UsageError(f"{what} {value!r} is not valid.", hint=f"Use {expected}.")


@dataclass
class ReplayResult:
    """Per-request outcomes of one replay and the pool statistics.

    Attributes:
        latency_ms: Wait + init (if cold) + service; NaN for throttled requests.
        cold: The request started a new instance.
        throttled: The request was rejected at the concurrency limit.
        instance: Instance number (creation order) that served it; -1 if throttled.
        on_provisioned: Served by a provisioned instance.
        busy_s, alive_s, provisioned_s: Instance-seconds busy, alive, alive as provisioned,
            within the horizon (first arrival to last completion).
        max_instances: Peak number of live instances.
        horizon_s: Length of the horizon.
        sim_wall_seconds: Wall time of the replay itself.
        cost: The cost of the replayed invocations (:mod:`advisor.simulate.billing`), ``None``
            when it has no Lambda price.
        cost_note: Why ``cost`` is ``None``.
    """

    latency_ms: np.ndarray
    cold: np.ndarray
    throttled: np.ndarray
    instance: np.ndarray
    on_provisioned: np.ndarray
    busy_s: float
    alive_s: float
    provisioned_s: float
    max_instances: int
    horizon_s: float
    sim_wall_seconds: float
    config: ReplayConfig = field(default_factory=ReplayConfig)
    cost: CostBreakdown | None = None
    cost_note: str | None = None

    def only(self, requests: np.ndarray) -> ReplayResult:
        """The replay seen from some of its requests (the traffic of a replay with warm-up pings):
        their outcomes, with the pool's statistics and the cost of every request."""
        return dataclasses.replace(self, latency_ms=self.latency_ms[requests], cold=self.cold[requests],
                                   throttled=self.throttled[requests], instance=self.instance[requests],
                                   on_provisioned=self.on_provisioned[requests])

    @property
    def requests(self) -> int:
        """Number of requests replayed."""
        return int(self.latency_ms.shape[0])

    def latency_percentiles(self) -> dict[str, float | None]:
        """Latency percentiles (ms) over the served requests, and the max; None when none served."""
        served = self.latency_ms[~self.throttled]
        if served.size == 0:
            return {**dict.fromkeys(PERCENTILES), "max": None}
        values = np.percentile(served, list(PERCENTILES.values()))
        out: dict[str, float | None] = {name: round(float(v), 3) for name, v in zip(PERCENTILES, values, strict=False)}
        out["max"] = round(float(served.max()), 3)
        return out

    def meets(self, percentile: float, limit_ms: float) -> bool:
        """Whether the ``percentile``-th latency over ALL requests is <= ``limit_ms``.

        Throttled requests count as violations (infinitely slow), as DESIGN.md's SLA rule says.
        """
        return Objective(percentile, limit_ms).met_by(np.where(self.throttled, np.inf, self.latency_ms))

    def summary(self) -> dict[str, Any]:
        """The summary of docs/replay.md: counts, latency percentiles, instances, cost."""
        n = self.requests
        cold = int(np.count_nonzero(self.cold))
        mean = self.alive_s / self.horizon_s if self.horizon_s > 0 else float(self.max_instances)
        return {
            "requests": n,
            "cold_starts": cold,
            "cold_fraction": round(cold / n, 6) if n else None,
            "throttled": int(np.count_nonzero(self.throttled)),
            "latency_ms": self.latency_percentiles(),
            "instances": {"max": self.max_instances, "mean": round(mean, 6)},
            "instance_seconds": {
                "busy": round(self.busy_s, 3),
                "idle": round(max(self.alive_s - self.busy_s, 0.0), 3),
                "provisioned": round(self.provisioned_s, 3),
            },
            "cost_usd": None if self.cost is None else self.cost.to_json(),
            "cost_note": self.cost_note,
            "sim_wall_seconds": round(self.sim_wall_seconds, 6),
        }

"""Dedicated GPU and accelerator instances (EC2 g4dn/g5/g6/g6e/inf2, SageMaker real-time endpoints).

Sizing: one accelerator serves ``batch * 1000 / gpu_ms(batch)`` requests per second when its
batches are full (the fitted ``--gpu-ms`` curve). The autoscaling rule decides the replica count
once per hour of the traffic (:data:`~advisor.platform.dedicated.SCALING_WINDOW_S`, from the
first arrival): enough replicas that the hour's request rate keeps each accelerator at most
``--target-utilisation`` busy, and never fewer than ``--min-replicas``, or than an hourly
schedule's count for the hour's start (``--replica-schedule 08:00-20:00=2,else=1``, UTC, the
syntax of Lambda's provisioned schedules). So the replica count follows the traffic hour by
hour. A replica added for an hour serves only after ``--scale-up-delay`` (boot and model load),
but is billed from its launch; the hour's first part runs on the previous count.

Latency: the requests are batched as the simulator's batch mode says, and each stretch of
constant capacity is replayed by the simulator with that many warm replicas (provisioned,
never expiring) and a FIFO queue in front of them. A queue does not carry over from one
stretch to the next (a simplification: at the target utilisation queues are short).

Billing: always on, per instance-hour, through :func:`advisor.pricing.instance_cost`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor import limits
from advisor.breakeven._base import NO_GPU_TIMES, PlatformModel, PlatformResult, Service, Workload
from advisor.breakeven._pool import form_gpu_batches
from advisor.platform.dedicated import (
    DEFAULT_MIN_REPLICAS,
    DEFAULT_REGION,
    DEFAULT_SCALE_UP_DELAY_S,
    DEFAULT_TARGET_UTILISATION,
    SCALING_WINDOW_S,
)
from advisor.pricing import instance_cost
from advisor.pricing.instances import instance
from advisor.simulate import ProvisionedSchedule, ReplayConfig, replay
from advisor.units import MS_PER_S, SECONDS_PER_HOUR, format_duration

if TYPE_CHECKING:
    from advisor.pricing import PriceCatalog
    from advisor.sla import Sla


class DedicatedModel(PlatformModel):
    """An autoscaled fleet of one instance type.

    Args:
        catalog: The prices of the command's workspace.
        instance_type: ``g5.xlarge``, or ``ml.g5.xlarge`` for a SageMaker endpoint.
        region: AWS region.
        target_utilisation: Busy share of an accelerator the autoscaler aims at.
        scale_up_delay_s: How late an added replica starts serving.
        min_replicas: Replicas however low the traffic.
    """

    def __init__(self, catalog: PriceCatalog, instance_type: str, *, region: str = DEFAULT_REGION,
                 target_utilisation: float = DEFAULT_TARGET_UTILISATION,
                 scale_up_delay_s: float = DEFAULT_SCALE_UP_DELAY_S, min_replicas: int = DEFAULT_MIN_REPLICAS,
                 schedule: ProvisionedSchedule | None = None) -> None:
        self.spec = instance(instance_type, catalog=catalog, region=region)
        self.catalog, self.region = catalog, region
        self.target_utilisation = limits.UTILISATION.check(target_utilisation, option="--target-utilisation")
        self.scale_up_delay_s = limits.SCALE_UP_DELAY_S.check(scale_up_delay_s, option="--scale-up-delay")
        self.min_replicas = int(limits.INSTANCES.check(min_replicas, option="--min-replicas"))
        self.schedule = schedule
        self.name = instance_type

    def assumptions(self) -> dict[str, Any]:
        """The accelerator, and the autoscaling rule."""
        return {"accelerator": f"{self.spec.gpus} x {self.spec.gpu}", "region": self.region,
                "target_utilisation": self.target_utilisation,
                "scale_up_delay": format_duration(self.scale_up_delay_s),
                "min_replicas": self.min_replicas,
                "replica_schedule": "none" if self.schedule is None else self.schedule.spec(),
                "scaling_window": format_duration(SCALING_WINDOW_S)}

    def replicas(self, workload: Workload, service: Service) -> tuple[np.ndarray, np.ndarray]:
        """Each scaling window's start (s from the first arrival) and replica count."""
        assert service.gpu is not None
        offsets = workload.trace.arrivals_s - workload.trace.arrivals_s[0]
        count = max(1, math.ceil(workload.horizon_s / SCALING_WINDOW_S))
        starts = np.arange(count) * SCALING_WINDOW_S
        lengths = np.minimum(starts + SCALING_WINDOW_S, workload.horizon_s) - starts
        window = np.minimum((offsets // SCALING_WINDOW_S).astype(np.int64), count - 1)
        rate = np.bincount(window, minlength=count) / lengths
        capacity = self.spec.gpus * service.gpu.throughput_per_s(service.batch) * self.target_utilisation
        floor = np.full(count, self.min_replicas)
        if self.schedule is not None:
            first = float(workload.trace.arrivals_s[0])
            floor = np.maximum(floor, [self.schedule.count_at(first + start) for start in starts])
        return starts, np.maximum(np.ceil(rate / capacity), floor).astype(np.int64)

    def evaluate(self, workload: Workload, service: Service, sla: Sla) -> PlatformResult:
        """Size the fleet hour by hour, replay each stretch of constant capacity, bill instance-hours."""
        if service.gpu is None:
            return PlatformResult.not_available(self.name, workload, NO_GPU_TIMES)
        starts, counts = self.replicas(workload, service)
        ends = np.append(starts[1:], workload.horizon_s)
        replica_hours = float(np.sum(counts * (ends - starts))) / SECONDS_PER_HOUR
        arrivals = workload.trace.arrivals_s
        close, gpu_ms, batch_of = form_gpu_batches(arrivals, service)
        job_latency = np.empty_like(close)
        offsets = close - arrivals[0]
        for begin, end, serving in self._stretches(starts, ends, counts):
            inside = (offsets >= begin) & ((offsets < end) | (end >= ends[-1]))
            if not inside.any():
                continue
            if serving == 0:  # no replica yet: the requests wait for the one being added
                job_latency[inside] = (end - offsets[inside]) * MS_PER_S + gpu_ms[inside]
                continue
            slots = serving * self.spec.gpus
            config = ReplayConfig(provisioned=slots, max_concurrency=slots, on_limit="queue")
            job_latency[inside] = replay(close[inside], gpu_ms[inside], config).latency_ms
        latency = job_latency[batch_of] + (close[batch_of] - arrivals) * MS_PER_S
        period = {"instances": instance_cost(self.name, replica_hours, catalog=self.catalog, region=self.region)}
        peak = int(counts.max())
        notes = (f"replicas per hour {int(counts.min())}-{peak}",)
        return PlatformResult.of(self.name, workload, sla, latency_ms=latency, cold=np.zeros(arrivals.shape, bool),
                                 period=period, notes=notes)

    def _stretches(self, starts: np.ndarray, ends: np.ndarray, counts: np.ndarray) -> list[tuple[float, float, int]]:
        """Stretches of constant serving capacity: an hour whose count rose runs on the previous
        count until the scale-up delay has passed. Neighbours of one count are one stretch."""
        out: list[tuple[float, float, int]] = []
        for k, (begin, end, count) in enumerate(zip(starts, ends, counts, strict=True)):
            previous = counts[k - 1] if k else count
            ready = begin
            if count > previous and self.scale_up_delay_s > 0:
                ready = min(begin + self.scale_up_delay_s, end)
                out.append((float(begin), float(ready), int(previous)))
            out.append((float(ready), float(end), int(count)))
        merged = [out[0]]
        for begin, end, count in out[1:]:
            if count == merged[-1][2]:
                merged[-1] = (merged[-1][0], end, count)
            elif end > begin:
                merged.append((begin, end, count))
        return merged

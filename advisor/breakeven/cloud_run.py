"""Google Cloud Run: CPU instances serving several requests each, or an instance with an L4 GPU.

CPU: the requests are replayed by the simulator with their measured durations (taken as the
same on a Cloud Run instance of ``--cloud-run-cpu`` vCPU), ``--cloud-run-concurrency``
requests per instance at once, ``--cloud-run-min-instances`` warm instances that never expire
(the simulator's provisioned instances), and idle instances kept for Cloud Run's longest idle
time (:data:`~advisor.platform.cloud_run.MAX_IDLE_INSTANCE_S`), each cold start taking the
traffic's observed init time (or ``--init-ms``). Billing (:func:`advisor.pricing.cloud_run_cost`):

- request-based: CPU and memory while an instance serves at least one request (startup
  included), each busy period rounded up to 100 ms, plus the per-request fee; the catalog has
  no price for idle minimum instances, so minimum instances are n/a under this mode;
- instance-based: CPU and memory for every instance's whole life, minimum instances included.

L4 GPU: one GPU per instance with Cloud Run's smallest GPU shape (4 vCPU, 16 GiB), batches as
on the other GPU platforms, the GPU cold start with model load, instance-based billing (the
GPU is billed for the instance's life).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.breakeven._base import NO_GPU_TIMES, PlatformModel, PlatformResult, Service, Workload
from advisor.breakeven._pool import busy_periods_s, replay_batches, sessions
from advisor.errors import UsageError
from advisor.platform import cloud_run
from advisor.pricing import cloud_run_cost
from advisor.simulate import ReplayConfig, replay
from advisor.units import MS_PER_S

if TYPE_CHECKING:
    from advisor.pricing import PriceCatalog
    from advisor.sla import Sla

NO_IDLE_PRICE = ("n/a: the catalog has no price for idle minimum instances under request-based billing; "
                 "use --cloud-run-billing instance_based")


class CloudRunModel(PlatformModel):
    """A Cloud Run service on CPU, or with ``gpu`` (``L4``).

    Args:
        catalog: The prices of the command's workspace.
        billing: ``request_based`` or ``instance_based`` (a GPU service is instance-based).
        concurrency: Requests one instance serves at once (CPU).
        min_instances: Instances kept warm however low the traffic.
        vcpus, memory_gib: The instance's shape (CPU).
        gpu: ``None`` for CPU, or a Cloud Run GPU (``L4``).
        region: Cloud Run region.
        seed: Seed of the replay.
    """

    def __init__(self, catalog: PriceCatalog, *, billing: str = cloud_run.DEFAULT_BILLING_MODE,
                 concurrency: int = cloud_run.CPU_BOUND_CONCURRENCY, min_instances: int = 0,
                 vcpus: float = cloud_run.DEFAULT_VCPUS, memory_gib: float = cloud_run.DEFAULT_MEMORY_GIB,
                 gpu: str | None = None, region: str = cloud_run.DEFAULT_REGION, seed: int = 0) -> None:
        if billing not in cloud_run.BILLING_MODES:
            raise UsageError(f"--cloud-run-billing {billing!r} is not a Cloud Run billing mode.",
                             hint=f"Use one of: {', '.join(cloud_run.BILLING_MODES)}.")
        cloud_run.CONCURRENCY_PER_INSTANCE.check(concurrency, option="--cloud-run-concurrency")
        cloud_run.VCPUS.check(vcpus, option="--cloud-run-cpu")
        cloud_run.MEMORY_GIB.check(memory_gib, option="--cloud-run-memory")
        if gpu is not None:
            billing, concurrency = "instance_based", 1
            vcpus, memory_gib = float(cloud_run.GPU_MIN_VCPUS), float(cloud_run.GPU_MIN_MEMORY_GIB)
        self.catalog, self.billing, self.concurrency, self.min_instances = catalog, billing, concurrency, min_instances
        self.vcpus, self.memory_gib, self.gpu, self.region, self.seed = vcpus, memory_gib, gpu, region, seed
        self.keep_alive_s = float(cloud_run.MAX_IDLE_INSTANCE_S)
        self.name = f"cloud run {gpu}" if gpu else f"cloud run {vcpus:g} vCPU {billing.split('_')[0]}"
        cloud_run_cost(catalog=catalog, vcpus=vcpus, memory_gib=memory_gib, billable_seconds=0, mode=billing, gpu=gpu,
                       region=region)  # an unknown region or GPU fails here

    def assumptions(self) -> dict[str, Any]:
        """Shape, billing mode, concurrency, minimum instances and idle time."""
        return {"billing": self.billing, "vcpus": self.vcpus, "memory_gib": self.memory_gib, "gpu": self.gpu or "none",
                "concurrency": self.concurrency, "min_instances": self.min_instances,
                "idle_instance_kept_s": self.keep_alive_s, "region": self.region}

    def evaluate(self, workload: Workload, service: Service, sla: Sla) -> PlatformResult:
        """Replay the service and bill its instances."""
        if self.gpu is not None:
            return self._evaluate_gpu(workload, service, sla)
        if self.billing == "request_based" and self.min_instances:
            return PlatformResult.not_available(self.name, workload, NO_IDLE_PRICE)
        trace = workload.trace
        init = trace.init_spec(service.init_ms)
        config = ReplayConfig(keep_alive_s=self.keep_alive_s, provisioned=self.min_instances,
                              per_instance_concurrency=self.concurrency)
        result = replay(trace.arrivals_s, trace.service_ms, config, init_ms=init, seed=self.seed)
        if self.billing == "request_based":
            served = ~result.throttled
            start = trace.arrivals_s[served]
            periods = busy_periods_s(result.instance[served], start, start + result.latency_ms[served] / MS_PER_S,
                                     cloud_run.BILLING_GRANULARITY_MS / MS_PER_S)
            period = {"instance_time": self._cost(float(periods.sum())),
                      "requests": self._cost(0.0, requests=int(served.sum()))}
        else:
            lives = sessions(result, trace.arrivals_s, trace.service_ms, self.keep_alive_s, 0.0)
            period = self._lives_cost(lives.life_s, workload)
        return PlatformResult.of(self.name, workload, sla, latency_ms=np.where(result.throttled, np.nan,
                                 result.latency_ms), cold=result.cold, period=period)

    def _evaluate_gpu(self, workload: Workload, service: Service, sla: Sla) -> PlatformResult:
        if service.gpu is None:
            return PlatformResult.not_available(self.name, workload, NO_GPU_TIMES)
        init_ms = service.gpu_cold_start_s * MS_PER_S
        config = ReplayConfig(keep_alive_s=self.keep_alive_s, provisioned=self.min_instances)
        run = replay_batches(workload.trace.arrivals_s, service, config, init_ms=init_ms, seed=self.seed)
        lives = sessions(run.result, run.arrival_s, run.service_ms, self.keep_alive_s, init_ms)
        period = self._lives_cost(lives.life_s, workload)
        return PlatformResult.of(self.name, workload, sla, latency_ms=run.latency_ms, cold=run.cold, period=period)

    def _lives_cost(self, life_s: np.ndarray, workload: Workload) -> dict[str, Decimal]:
        """Instance-based: every on-demand instance's life, and the minimum instances' horizon."""
        period = {"instance_time": self._cost(float(life_s.sum()))}
        if self.min_instances:
            period["min_instances"] = self._cost(self.min_instances * workload.horizon_s)
        return period

    def _cost(self, seconds: float, *, requests: int = 0) -> Decimal:
        return cloud_run_cost(catalog=self.catalog, vcpus=self.vcpus, memory_gib=self.memory_gib,
                              billable_seconds=seconds, requests=requests, mode=self.billing, gpu=self.gpu,
                              region=self.region)

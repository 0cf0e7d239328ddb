"""Serverless GPU providers (Modal, Replicate, RunPod, Beam): containers that start on demand.

The requests are batched (``--batch``, ``--batch-wait-ms``) and replayed by the simulator with
keep-alive = the provider's idle timeout (its catalog default, or ``--idle-timeout``) and init =
the cold start with the model load (``--gpu-cold-start``). Each container session, from its
cold start to the end of its idle timeout, is billed by the pricing engine's one function for
these providers (:func:`advisor.pricing.serverless_gpu_cost`): busy, idle and cold-start
seconds, each rounded up to the provider's increment per session, idle and cold start only
where the provider bills them. The GPU time per batch is the one ``--gpu-ms`` gives, on every
GPU type: measure on the type you compare.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advisor.breakeven._base import NO_GPU_TIMES, PlatformModel, PlatformResult, Service, Workload
from advisor.breakeven._pool import replay_batches, sessions
from advisor.platform.serverless_gpu import ALWAYS_ON_SUFFIX
from advisor.pricing import serverless_gpu_cost
from advisor.pricing.serverless_gpu import get_provider, serverless_gpu_catalog
from advisor.simulate import ReplayConfig
from advisor.units import MS_PER_S, format_duration

if TYPE_CHECKING:
    from advisor.pricing import PriceCatalog
    from advisor.sla import Sla


def default_gpus(catalog: PriceCatalog) -> list[tuple[str, str]]:
    """``(provider, gpu)`` for each provider in the catalog: its cheapest on-demand GPU."""
    chosen = []
    for name, provider in sorted(serverless_gpu_catalog(catalog).entries.items()):
        on_demand = {gpu: fig for gpu, fig in provider.gpus.items() if not gpu.endswith(ALWAYS_ON_SUFFIX)}
        chosen.append((name, min(on_demand, key=lambda gpu: on_demand[gpu].value)))
    return chosen


class ServerlessGpuModel(PlatformModel):
    """One provider's GPU type.

    Args:
        catalog: The prices of the command's workspace.
        provider: ``modal``, ``replicate``, ``runpod`` or ``beam``.
        gpu: The GPU type as the catalog names it.
        idle_timeout_s: Keep-warm window; ``None``: the provider's default from the catalog.
        seed: Seed of the replay.
    """

    def __init__(self, catalog: PriceCatalog, provider: str, gpu: str, *, idle_timeout_s: float | None = None,
                 seed: int = 0) -> None:
        entry = get_provider(provider, catalog=catalog)
        serverless_gpu_cost(entry.name, gpu, catalog=catalog, busy_seconds=0)  # an unknown GPU fails here
        self.catalog, self.provider, self.gpu, self.seed = catalog, entry, gpu, seed
        self.idle_timeout_s = float(entry.default_keep_warm_s) if idle_timeout_s is None else idle_timeout_s
        self.name = f"{entry.name} {gpu}"

    def assumptions(self) -> dict[str, Any]:
        """Idle timeout, billing increment and what the provider bills."""
        return {"gpu": self.gpu, "idle_timeout": format_duration(self.idle_timeout_s),
                "billing_increment_s": float(self.provider.increment_s),
                "bills_idle": self.provider.bills_idle, "bills_cold_start": self.provider.bills_cold_start}

    def evaluate(self, workload: Workload, service: Service, sla: Sla) -> PlatformResult:
        """Batch, replay and bill the container sessions."""
        if service.gpu is None:
            return PlatformResult.not_available(self.name, workload, NO_GPU_TIMES)
        init_ms = service.gpu_cold_start_s * MS_PER_S
        run = replay_batches(workload.trace.arrivals_s, service, ReplayConfig(keep_alive_s=self.idle_timeout_s),
                             init_ms=init_ms, seed=self.seed)
        lives = sessions(run.result, run.arrival_s, run.service_ms, self.idle_timeout_s, init_ms)

        def cost(**seconds: Any) -> Any:
            return serverless_gpu_cost(self.provider.name, self.gpu, catalog=self.catalog, **seconds)

        period = {"busy": cost(busy_seconds=lives.busy_s), "idle": cost(busy_seconds=0, idle_seconds=lives.idle_s),
                  "cold_start": cost(busy_seconds=0, cold_start_seconds=lives.cold_s)}
        return PlatformResult.of(self.name, workload, sla, latency_ms=run.latency_ms, cold=run.cold, period=period)

"""Which platform models a break-even compares, from the command's settings.

By default: Lambda at the given memory with its keep-warm setting (none by default) and with
provisioned concurrency (``auto`` by default), each
serverless GPU provider's cheapest GPU, the dedicated instances of
:data:`~advisor.platform.dedicated.DEFAULT_INSTANCES`, Cloud Run on CPU (the chosen billing)
and Cloud Run with its L4 GPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.breakeven._base import PlatformModel
from advisor.breakeven.aws_lambda import AUTO, LambdaModel
from advisor.breakeven.cloud_run import CloudRunModel
from advisor.breakeven.dedicated import DedicatedModel
from advisor.breakeven.families import CLOUD_RUN, DEDICATED, FAMILIES, LAMBDA, SERVERLESS_GPU, check_families
from advisor.breakeven.serverless_gpu import ServerlessGpuModel, default_gpus
from advisor.errors import UsageError
from advisor.platform import cloud_run, dedicated
from advisor.platform.aws_lambda import DEFAULT_ARCH, DEFAULT_KEEP_ALIVE_S, DEFAULT_REGION

if TYPE_CHECKING:
    from advisor.pricing import PriceCatalog
    from advisor.simulate import ProvisionedSchedule
    from advisor.simulate.inputs import Trace
    from advisor.tune.keepwarm import KeepWarm


@dataclass(frozen=True)
class Lineup:
    """The settings of every platform model (each one an option of ``advisor breakeven``).

    The first Lambda row has ``keep_warm`` (``None``: none), the second ``provisioned``.
    """

    memory_mb: int | None = None
    arch: str = DEFAULT_ARCH
    keep_alive_s: float = DEFAULT_KEEP_ALIVE_S
    keep_warm: KeepWarm | None = None
    provisioned: int | str = AUTO
    region: str = DEFAULT_REGION
    serverless_gpus: Sequence[str] = ()
    idle_timeout_s: float | None = None
    instances: Sequence[str] = dedicated.DEFAULT_INSTANCES
    target_utilisation: float = dedicated.DEFAULT_TARGET_UTILISATION
    scale_up_delay_s: float = dedicated.DEFAULT_SCALE_UP_DELAY_S
    min_replicas: int = dedicated.DEFAULT_MIN_REPLICAS
    replica_schedule: ProvisionedSchedule | None = None
    cloud_run_billing: str = cloud_run.DEFAULT_BILLING_MODE
    cloud_run_concurrency: int = cloud_run.CPU_BOUND_CONCURRENCY
    cloud_run_min_instances: int = 0
    cloud_run_vcpus: float = cloud_run.DEFAULT_VCPUS
    cloud_run_memory_gib: float = cloud_run.DEFAULT_MEMORY_GIB
    seed: int = 0

    def models(self, catalog: PriceCatalog, trace: Trace, *, families: Sequence[str] = FAMILIES) -> list[PlatformModel]:
        """The platform models for ``trace`` of the asked ``families`` (:data:`FAMILIES`), in the order
        they are shown (Lambda at ``memory_mb``, else at the memory the traffic was measured at)."""
        check_families(families)
        memory = self.memory_mb or trace.memory_mb
        models: list[PlatformModel] = []
        if LAMBDA in families:
            models += [
                LambdaModel(catalog, memory_mb=memory, arch=self.arch, keep_alive_s=self.keep_alive_s,
                            keep_warm=self.keep_warm, region=self.region, seed=self.seed),
                LambdaModel(catalog, memory_mb=memory, arch=self.arch, keep_alive_s=self.keep_alive_s,
                            provisioned=self.provisioned, region=self.region, seed=self.seed),
            ]
        if SERVERLESS_GPU in families:
            pairs = [_provider_gpu(spec) for spec in self.serverless_gpus] or default_gpus(catalog)
            models += [ServerlessGpuModel(catalog, provider, gpu, idle_timeout_s=self.idle_timeout_s, seed=self.seed)
                       for provider, gpu in pairs]
        if DEDICATED in families:
            models += [DedicatedModel(catalog, name, target_utilisation=self.target_utilisation,
                                      scale_up_delay_s=self.scale_up_delay_s, min_replicas=self.min_replicas,
                                      schedule=self.replica_schedule)
                       for name in self.instances]
        if CLOUD_RUN in families:
            models.append(CloudRunModel(catalog, billing=self.cloud_run_billing,
                                        concurrency=self.cloud_run_concurrency,
                                        min_instances=self.cloud_run_min_instances, vcpus=self.cloud_run_vcpus,
                                        memory_gib=self.cloud_run_memory_gib, seed=self.seed))
            models.append(CloudRunModel(catalog, gpu=cloud_run.GPUS[0], min_instances=self.cloud_run_min_instances,
                                        seed=self.seed))
        return models


def parse_provisioned(text: str) -> int | str:
    """``--provisioned``: a number of instances, or ``auto``."""
    if text.strip().lower() == AUTO:
        return AUTO
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"--provisioned {text!r} is not a number of instances or {AUTO}.",
                         hint=f"Give e.g. 2, or {AUTO} (the mean busy instances at each volume).") from None


def _provider_gpu(spec: str) -> tuple[str, str]:
    provider, sep, gpu = spec.partition(":")
    if not sep or not provider or not gpu:
        raise UsageError(f"--serverless-gpu {spec!r} is not PROVIDER:GPU.",
                         hint="Write e.g. modal:L4 or runpod:A100-80GB.")
    return provider.strip().lower(), gpu.strip()

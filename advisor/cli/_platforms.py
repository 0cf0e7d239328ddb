"""The break-even's platform options, shared by ``advisor breakeven`` and ``advisor recommend``.

Each option is defined once here (its name, help, bound and default); a command lists the ones
it takes in its signature (typer reads options from the signature) and hands its local values
to :func:`collect`, which builds the library's inputs from them: the platform lineup, the
service times and the volumes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from advisor import limits
from advisor.breakeven import DEFAULT_BATCH, DEFAULT_BATCH_WAIT_MS, DEFAULT_FACTORS
from advisor.breakeven.families import FAMILIES, NO_PLATFORMS
from advisor.cli._options import duration_option, number_option
from advisor.platform import cloud_run, dedicated
from advisor.platform.serverless_gpu import DEFAULT_COLD_START_S

if TYPE_CHECKING:
    from advisor.breakeven import Service

_Opt = typer.Option
DEFAULT_VOLUMES = ",".join(f"{f:g}" for f in DEFAULT_FACTORS)
#: Every platform family, the default of ``--platforms``.
ALL_PLATFORMS = ",".join(FAMILIES)

PlatformsOption = Annotated[str, _Opt(
    "--platforms", help=f"Break-even platform families, some of {ALL_PLATFORMS}, or {NO_PLATFORMS}.",
    metavar="FAMILIES")]

GpuMsOption = Annotated[Optional[str], _Opt(
    "--gpu-ms", help="GPU ms per batch size: 1:40,8:95,32:260 or a CSV file batch,ms (fitted as a + b x batch).",
    metavar="TABLE", show_default=False)]
VolumesOption = Annotated[str, _Opt("--volumes", help="Volumes as factors of the real traffic.")]
InitMsOption = Annotated[Optional[float], number_option(
    "--init-ms", limits.INIT_MS, "CPU cold-start init; default: the observed ones", metavar="MS", optional=True)]
ServerlessGpuOption = Annotated[Optional[list[str]], _Opt(
    "--serverless-gpu", help="PROVIDER:GPU to compare (repeatable; default: each provider's cheapest GPU).",
    show_default=False)]
IdleTimeoutOption = Annotated[Optional[float], duration_option(
    "--idle-timeout", "Serverless GPU keep-warm window (default: each provider's).")]
GpuColdStartOption = Annotated[float, duration_option(
    "--gpu-cold-start", "GPU container cold start with model load.", default_s=DEFAULT_COLD_START_S)]
BatchOption = Annotated[int, number_option("--batch", limits.BATCH, "GPU batch size at most")]
BatchWaitOption = Annotated[float, number_option(
    "--batch-wait-ms", limits.BATCH_WAIT_MS, "A batch waits at most this long", metavar="MS")]
InstanceOption = Annotated[Optional[list[str]], _Opt(
    "--instance", help=f"Dedicated instance type (repeatable; default {', '.join(dedicated.DEFAULT_INSTANCES)}).",
    show_default=False)]
TargetUtilisationOption = Annotated[float, number_option(
    "--target-utilisation", limits.UTILISATION, "Autoscaling target per accelerator", metavar="SHARE")]
ScaleUpDelayOption = Annotated[float, duration_option(
    "--scale-up-delay", "An added replica serves this late.", default_s=dedicated.DEFAULT_SCALE_UP_DELAY_S)]
MinReplicasOption = Annotated[int, number_option("--min-replicas", limits.INSTANCES, "Dedicated replicas at least")]
ReplicaScheduleOption = Annotated[Optional[str], _Opt(
    "--replica-schedule", help="Dedicated replicas at least, by UTC time of day, e.g. 08:00-20:00=2,else=1.",
    metavar="WINDOWS", show_default=False)]
CloudRunBillingOption = Annotated[str, _Opt("--cloud-run-billing", help="request_based or instance_based.")]
CloudRunConcurrencyOption = Annotated[int, number_option(
    "--cloud-run-concurrency", limits.PER_INSTANCE_CONCURRENCY, "Requests per Cloud Run CPU instance")]
CloudRunMinInstancesOption = Annotated[int, number_option(
    "--cloud-run-min-instances", limits.INSTANCES, "Cloud Run instances kept warm")]
CloudRunCpuOption = Annotated[float, number_option(
    "--cloud-run-cpu", cloud_run.VCPUS, "vCPU of a Cloud Run CPU instance (durations taken as measured)",
    metavar="VCPU")]
CloudRunMemoryOption = Annotated[float, number_option(
    "--cloud-run-memory", cloud_run.MEMORY_GIB, "Memory of a Cloud Run CPU instance", metavar="GIB")]

#: The defaults of the options above, by parameter name (the commands' signatures use them).
DEFAULTS: Mapping[str, Any] = {
    "gpu_ms": None, "volumes": DEFAULT_VOLUMES, "init_ms": None, "serverless_gpu": None, "idle_timeout": None,
    "gpu_cold_start": DEFAULT_COLD_START_S, "batch": DEFAULT_BATCH, "batch_wait_ms": DEFAULT_BATCH_WAIT_MS,
    "instance": None, "target_utilisation": dedicated.DEFAULT_TARGET_UTILISATION,
    "scale_up_delay": dedicated.DEFAULT_SCALE_UP_DELAY_S, "min_replicas": dedicated.DEFAULT_MIN_REPLICAS,
    "replica_schedule": None, "cloud_run_billing": cloud_run.DEFAULT_BILLING_MODE,
    "cloud_run_concurrency": cloud_run.CPU_BOUND_CONCURRENCY, "cloud_run_min_instances": 0,
    "cloud_run_cpu": cloud_run.DEFAULT_VCPUS, "cloud_run_memory": cloud_run.DEFAULT_MEMORY_GIB,
}


@dataclass(frozen=True)
class PlatformInputs:
    """The library's inputs from the platform options.

    Attributes:
        lineup_settings: :class:`advisor.breakeven.lineup.Lineup` keyword arguments (its Lambda
            settings are the command's own).
        service: The service times (GPU ms, cold starts, batching, CPU init).
        factors: The volumes.
    """

    lineup_settings: dict[str, Any]
    service: Service
    factors: tuple[float, ...]


def collect(values: Mapping[str, Any], *, seed: int) -> PlatformInputs:
    """The inputs of the options of :data:`DEFAULTS` found in ``values`` (a command's ``locals()``).

    Raises:
        UsageError: a GPU table, replica schedule or volume list that cannot be read.
    """
    from advisor.breakeven import GpuTimes, Service
    from advisor.breakeven.volume import parse_factors
    from advisor.simulate.schedule import ProvisionedSchedule

    v = {name: values.get(name, default) for name, default in DEFAULTS.items()}
    service = Service(GpuTimes.parse(v["gpu_ms"]) if v["gpu_ms"] else None, v["gpu_cold_start"], v["batch"],
                      v["batch_wait_ms"], v["init_ms"])
    schedule = ProvisionedSchedule.parse(v["replica_schedule"]) if v["replica_schedule"] else None
    lineup = {
        "serverless_gpus": tuple(v["serverless_gpu"] or ()), "idle_timeout_s": v["idle_timeout"],
        "instances": tuple(v["instance"] or dedicated.DEFAULT_INSTANCES),
        "target_utilisation": v["target_utilisation"], "scale_up_delay_s": v["scale_up_delay"],
        "min_replicas": v["min_replicas"], "replica_schedule": schedule,
        "cloud_run_billing": v["cloud_run_billing"], "cloud_run_concurrency": v["cloud_run_concurrency"],
        "cloud_run_min_instances": v["cloud_run_min_instances"], "cloud_run_vcpus": v["cloud_run_cpu"],
        "cloud_run_memory_gib": v["cloud_run_memory"], "seed": seed,
    }
    return PlatformInputs(lineup, service, tuple(parse_factors(v["volumes"])))

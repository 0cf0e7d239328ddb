"""CLI command: ``advisor breakeven (FUNCTION | --trace PATH) --sla p95=2s``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from advisor.breakeven import DEFAULT_BATCH, DEFAULT_BATCH_WAIT_MS
from advisor.cli._console import console, emit_json
from advisor.cli._options import (
    JsonOption,
    PingConcurrencyOption,
    PingEveryOption,
    ProvisionedScheduleOption,
    SeedOption,
    SinceOption,
    UntilOption,
    WorkspaceOption,
    _named,
    duration_option,
    keep_alive_help,
    memory_option,
)
from advisor.cli._platforms import (
    ALL_PLATFORMS,
    DEFAULT_VOLUMES,
    BatchOption,
    BatchWaitOption,
    CloudRunBillingOption,
    CloudRunConcurrencyOption,
    CloudRunCpuOption,
    CloudRunMemoryOption,
    CloudRunMinInstancesOption,
    GpuColdStartOption,
    GpuMsOption,
    IdleTimeoutOption,
    InitMsOption,
    InstanceOption,
    MinReplicasOption,
    PlatformsOption,
    ReplicaScheduleOption,
    ScaleUpDelayOption,
    ServerlessGpuOption,
    TargetUtilisationOption,
    VolumesOption,
    collect,
)
from advisor.cli._reports import HtmlOption, MarkdownOption, write_report_files
from advisor.context import Context
from advisor.errors import UsageError
from advisor.platform import cloud_run, dedicated
from advisor.platform.aws_lambda import DEFAULT_ARCH, DEFAULT_KEEP_ALIVE_S
from advisor.platform.serverless_gpu import DEFAULT_COLD_START_S
from advisor.sla import EXAMPLE, Sla

_Opt = typer.Option


def register(app: typer.Typer) -> None:
    """Add ``breakeven`` to ``app``."""

    @app.command("breakeven")
    def breakeven_command(
        function: Annotated[Optional[str], typer.Argument(
            help="Workspace function (or, with --trace, the function in a trace that holds several).",
            metavar="FUNCTION", show_default=False)] = None,
        sla: Annotated[Sla, _Opt("--sla", help=f"Latency SLA, e.g. {EXAMPLE}.", metavar="SLA",
                                 parser=_named("--sla", Sla.parse))] = "p95=2s",  # type: ignore[assignment]
        trace: Annotated[Optional[Path], _Opt("--trace", help="A trace file instead of a workspace function.",
                                              metavar="PATH", show_default=False)] = None,
        gpu_ms: GpuMsOption = None,
        volumes: VolumesOption = DEFAULT_VOLUMES,
        memory: Annotated[Optional[int], memory_option("Lambda memory (default: the measured one).")] = None,
        arch: Annotated[str, _Opt("--arch", help="Lambda architecture: x86_64 or arm64.")] = DEFAULT_ARCH,
        keep_alive: Annotated[float, duration_option("--keep-alive", keep_alive_help(), allow_inf=True,
                                                     default_s=DEFAULT_KEEP_ALIVE_S)] = DEFAULT_KEEP_ALIVE_S,
        provisioned: Annotated[str, _Opt("--provisioned", help="Lambda provisioned concurrency of the second Lambda "
                                         "row: N, or auto (the mean busy instances at each volume).")] = "auto",
        ping_every: PingEveryOption = None,
        ping_concurrency: PingConcurrencyOption = 1,
        provisioned_schedule: ProvisionedScheduleOption = None,
        init_ms: InitMsOption = None,
        serverless_gpu: ServerlessGpuOption = None,
        idle_timeout: IdleTimeoutOption = None,
        gpu_cold_start: GpuColdStartOption = DEFAULT_COLD_START_S,
        batch: BatchOption = DEFAULT_BATCH,
        batch_wait_ms: BatchWaitOption = DEFAULT_BATCH_WAIT_MS,
        instance: InstanceOption = None,
        target_utilisation: TargetUtilisationOption = dedicated.DEFAULT_TARGET_UTILISATION,
        scale_up_delay: ScaleUpDelayOption = dedicated.DEFAULT_SCALE_UP_DELAY_S,
        min_replicas: MinReplicasOption = dedicated.DEFAULT_MIN_REPLICAS,
        replica_schedule: ReplicaScheduleOption = None,
        cloud_run_billing: CloudRunBillingOption = cloud_run.DEFAULT_BILLING_MODE,
        cloud_run_concurrency: CloudRunConcurrencyOption = cloud_run.CPU_BOUND_CONCURRENCY,
        cloud_run_min_instances: CloudRunMinInstancesOption = 0,
        cloud_run_cpu: CloudRunCpuOption = cloud_run.DEFAULT_VCPUS,
        cloud_run_memory: CloudRunMemoryOption = cloud_run.DEFAULT_MEMORY_GIB,
        platforms: PlatformsOption = ALL_PLATFORMS,
        all_functions: Annotated[bool, _Opt("--all-functions", help="With --trace: every function as one.")] = False,
        seed: SeedOption = 0,
        since: SinceOption = None,
        until: UntilOption = None,
        json: JsonOption = False,
        markdown: MarkdownOption = None,
        html: HtmlOption = None,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Cost and latency of the same traffic on Lambda, serverless GPUs, dedicated GPUs and Cloud Run, by volume."""
        from advisor.breakeven import breakeven
        from advisor.breakeven.families import parse_families
        from advisor.breakeven.lineup import Lineup, parse_provisioned
        from advisor.report.breakeven import render_breakeven
        from advisor.simulate.inputs import load_trace
        from advisor.simulate.scenarios import Scenario
        from advisor.simulate.schedule import ProvisionedSchedule
        from advisor.tune.keepwarm import KeepWarm

        inputs = collect(locals(), seed=seed)
        families = parse_families(platforms)
        if not families:
            raise UsageError("--platforms none leaves advisor breakeven nothing to compare.",
                             hint=f"Name some of {ALL_PLATFORMS}.")
        # the first Lambda row's keep-warm, checked as advisor replay checks the same options
        warm = Scenario.from_options(
            provisioned_schedule=ProvisionedSchedule.parse(provisioned_schedule) if provisioned_schedule else None,
            ping_every_s=ping_every, ping_concurrency=ping_concurrency)
        lineup = Lineup(memory_mb=memory, arch=arch, keep_alive_s=keep_alive,
                        keep_warm=KeepWarm.of(schedule=warm.config.provisioned_schedule, pings=warm.pings),
                        provisioned=parse_provisioned(provisioned), **inputs.lineup_settings)
        with Context.resolve(workspace, store=trace is None) as ctx:
            data = load_trace(function=function, trace_path=trace, workspace=ctx.store, since=since, until=until,
                              seed=seed, together=all_functions)
        models = lineup.models(ctx.prices, data, families=families)
        study = breakeven(data, models, inputs.service, sla, factors=inputs.factors, seed=seed)
        document = study.to_dict()
        write_report_files("breakeven", document, markdown, html)
        if json:
            emit_json(document)
        else:
            console().print(render_breakeven(study))

"""CLI command: ``advisor recommend FUNCTION --sla p95=2s`` (from the workspace's evidence, nothing invoked)."""

from __future__ import annotations

from typing import Annotated

import typer

from advisor.breakeven import DEFAULT_BATCH, DEFAULT_BATCH_WAIT_MS
from advisor.cli._console import console, emit_json
from advisor.cli._options import JsonOption, SeedOption, SinceOption, UntilOption, WorkspaceOption, _named
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
from advisor.platform import cloud_run, dedicated
from advisor.platform.serverless_gpu import DEFAULT_COLD_START_S
from advisor.sla import EXAMPLE, Sla
from advisor.tune.settings import KEEP_WARM_STRATEGIES

_Opt = typer.Option


def register(app: typer.Typer) -> None:
    """Add ``recommend`` to ``app``."""

    @app.command("recommend")
    def recommend_command(
        function: Annotated[str, typer.Argument(help="The workspace function.", metavar="FUNCTION",
                                                show_default=False)],
        sla: Annotated[Sla, _Opt("--sla", help=f"Latency objectives, all of which must hold, e.g. {EXAMPLE}.",
                                 metavar="SLA", parser=_named("--sla", Sla.parse), show_default=False)],
        keep_warm: Annotated[str, _Opt("--keep-warm", help="Keep-warm strategies to consider, some of: "
                                       "none,provisioned,schedule,pings.", metavar="STRATEGIES")] = (
            ",".join(KEEP_WARM_STRATEGIES)),
        region: Annotated[str | None, _Opt("--region", help="Pricing region (default: the function's, else "
                                           "us-east-1).", show_default=False)] = None,
        platforms: PlatformsOption = ALL_PLATFORMS,
        gpu_ms: GpuMsOption = None,
        volumes: VolumesOption = DEFAULT_VOLUMES,
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
        seed: SeedOption = 0,
        since: SinceOption = None,
        until: UntilOption = None,
        json: JsonOption = False,
        markdown: MarkdownOption = None,
        html: HtmlOption = None,
        workspace: WorkspaceOption = None,
    ) -> None:
        """The cheapest memory, architecture and keep-warm setting that meets the SLA, from the workspace's evidence."""
        from advisor.breakeven.families import parse_families
        from advisor.breakeven.lineup import Lineup
        from advisor.context import Context
        from advisor.recommend import RecommendSettings, recommend
        from advisor.report.recommend import render_recommendation
        from advisor.tune.keepwarm import parse_strategies

        inputs = collect(locals(), seed=seed)
        settings = RecommendSettings(
            sla=sla, strategies=parse_strategies(keep_warm), region=region, seed=seed, since=since, until=until,
            platforms=parse_families(platforms), lineup=Lineup(**inputs.lineup_settings), service=inputs.service,
            factors=inputs.factors)
        with Context.resolve(workspace) as ctx:
            document = recommend(ctx, function, settings).to_dict()
        write_report_files("recommend", document, markdown, html)
        if json:
            emit_json(document)
        else:
            console().print(render_recommendation(document))

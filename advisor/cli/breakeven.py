"""CLI command: ``advisor breakeven (FUNCTION | --trace PATH) --sla p95=2s``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from advisor import limits
from advisor.breakeven import DEFAULT_BATCH, DEFAULT_BATCH_WAIT_MS, DEFAULT_FACTORS
from advisor.cli._console import console, emit_json
from advisor.cli._options import (
    JsonOption,
    SeedOption,
    SinceOption,
    UntilOption,
    WorkspaceOption,
    _named,
    duration_option,
    keep_alive_help,
    memory_option,
    number_option,
)
from advisor.cli._reports import HtmlOption, MarkdownOption, write_report_files
from advisor.context import Context
from advisor.platform import cloud_run, dedicated
from advisor.platform.aws_lambda import DEFAULT_ARCH, DEFAULT_KEEP_ALIVE_S
from advisor.platform.serverless_gpu import DEFAULT_COLD_START_S
from advisor.sla import EXAMPLE, Sla

_Opt = typer.Option
DEFAULT_VOLUMES = ",".join(f"{f:g}" for f in DEFAULT_FACTORS)


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
        gpu_ms: Annotated[Optional[str], _Opt("--gpu-ms", help="GPU ms per batch size: 1:40,8:95,32:260 or a CSV "
                                              "file batch,ms (fitted as a + b x batch).", metavar="TABLE",
                                              show_default=False)] = None,
        volumes: Annotated[str, _Opt("--volumes", help="Volumes as factors of the real traffic.")] = DEFAULT_VOLUMES,
        memory: Annotated[Optional[int], memory_option("Lambda memory (default: the measured one).")] = None,
        arch: Annotated[str, _Opt("--arch", help="Lambda architecture: x86_64 or arm64.")] = DEFAULT_ARCH,
        keep_alive: Annotated[float, duration_option("--keep-alive", keep_alive_help(), allow_inf=True,
                                                     default_s=DEFAULT_KEEP_ALIVE_S)] = DEFAULT_KEEP_ALIVE_S,
        provisioned: Annotated[str, _Opt("--provisioned", help="Lambda provisioned concurrency of the second Lambda "
                                         "row: N, or auto (the mean busy instances at each volume).")] = "auto",
        init_ms: Annotated[Optional[float], number_option("--init-ms", limits.INIT_MS, "CPU cold-start init; "
                                                          "default: the observed ones", metavar="MS",
                                                          optional=True)] = None,
        serverless_gpu: Annotated[Optional[list[str]], _Opt("--serverless-gpu", help="PROVIDER:GPU to compare "
                                  "(repeatable; default: each provider's cheapest GPU).", show_default=False)] = None,
        idle_timeout: Annotated[Optional[float], duration_option(
            "--idle-timeout", "Serverless GPU keep-warm window (default: each provider's).")] = None,
        gpu_cold_start: Annotated[float, duration_option(
            "--gpu-cold-start", "GPU container cold start with model load.",
            default_s=DEFAULT_COLD_START_S)] = DEFAULT_COLD_START_S,
        batch: Annotated[int, number_option("--batch", limits.BATCH, "GPU batch size at most")] = DEFAULT_BATCH,
        batch_wait_ms: Annotated[float, number_option("--batch-wait-ms", limits.BATCH_WAIT_MS,
                                                      "A batch waits at most this long", metavar="MS")] = (
            DEFAULT_BATCH_WAIT_MS),
        instance: Annotated[Optional[list[str]], _Opt("--instance", help="Dedicated instance type (repeatable; "
                            f"default {', '.join(dedicated.DEFAULT_INSTANCES)}).", show_default=False)] = None,
        target_utilisation: Annotated[float, number_option("--target-utilisation", limits.UTILISATION,
                                      "Autoscaling target per accelerator", metavar="SHARE")] = (
            dedicated.DEFAULT_TARGET_UTILISATION),
        scale_up_delay: Annotated[float, duration_option("--scale-up-delay", "An added replica serves this late.",
                                  default_s=dedicated.DEFAULT_SCALE_UP_DELAY_S)] = dedicated.DEFAULT_SCALE_UP_DELAY_S,
        min_replicas: Annotated[int, number_option("--min-replicas", limits.INSTANCES,
                                                   "Dedicated replicas at least")] = dedicated.DEFAULT_MIN_REPLICAS,
        replica_schedule: Annotated[Optional[str], _Opt("--replica-schedule", help="Dedicated replicas at least, "
                                    "by UTC time of day, e.g. 08:00-20:00=2,else=1.", metavar="WINDOWS",
                                    show_default=False)] = None,
        cloud_run_billing: Annotated[str, _Opt("--cloud-run-billing", help="request_based or instance_based.")] = (
            cloud_run.DEFAULT_BILLING_MODE),
        cloud_run_concurrency: Annotated[int, number_option("--cloud-run-concurrency", limits.PER_INSTANCE_CONCURRENCY,
                                                            "Requests per Cloud Run CPU instance")] = (
            cloud_run.CPU_BOUND_CONCURRENCY),
        cloud_run_min_instances: Annotated[int, number_option("--cloud-run-min-instances", limits.INSTANCES,
                                                              "Cloud Run instances kept warm")] = 0,
        cloud_run_cpu: Annotated[float, number_option("--cloud-run-cpu", cloud_run.VCPUS, "vCPU of a Cloud Run CPU "
                                                      "instance (durations taken as measured)", metavar="VCPU")] = (
            cloud_run.DEFAULT_VCPUS),
        cloud_run_memory: Annotated[float, number_option("--cloud-run-memory", cloud_run.MEMORY_GIB,
                                                         "Memory of a Cloud Run CPU instance", metavar="GIB")] = (
            cloud_run.DEFAULT_MEMORY_GIB),
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
        from advisor.breakeven import GpuTimes, Service, breakeven
        from advisor.breakeven.lineup import Lineup, parse_provisioned
        from advisor.breakeven.volume import parse_factors
        from advisor.report.breakeven import render_breakeven
        from advisor.simulate.inputs import load_trace
        from advisor.simulate.schedule import ProvisionedSchedule

        service = Service(GpuTimes.parse(gpu_ms) if gpu_ms else None, gpu_cold_start, batch, batch_wait_ms, init_ms)
        lineup = Lineup(
            memory_mb=memory, arch=arch, keep_alive_s=keep_alive, provisioned=parse_provisioned(provisioned),
            serverless_gpus=serverless_gpu or (), idle_timeout_s=idle_timeout,
            instances=instance or dedicated.DEFAULT_INSTANCES, target_utilisation=target_utilisation,
            scale_up_delay_s=scale_up_delay, min_replicas=min_replicas,
            replica_schedule=ProvisionedSchedule.parse(replica_schedule) if replica_schedule else None,
            cloud_run_billing=cloud_run_billing, cloud_run_concurrency=cloud_run_concurrency,
            cloud_run_min_instances=cloud_run_min_instances, cloud_run_vcpus=cloud_run_cpu,
            cloud_run_memory_gib=cloud_run_memory, seed=seed)
        factors = parse_factors(volumes)
        with Context.resolve(workspace, store=trace is None) as ctx:
            data = load_trace(function=function, trace_path=trace, workspace=ctx.store, since=since, until=until,
                              seed=seed, together=all_functions)
        study = breakeven(data, lineup.models(ctx.prices, data), service, sla, factors=factors, seed=seed)
        document = study.to_dict()
        write_report_files("breakeven", document, markdown, html)
        if json:
            emit_json(document)
        else:
            console().print(render_breakeven(study))

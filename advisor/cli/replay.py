"""CLI command: ``advisor replay (FUNCTION | --trace PATH)``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from advisor.cli._console import console, emit_json, error_console
from advisor.cli._options import (
    JsonOption,
    PingConcurrencyOption,
    PingEveryOption,
    ProvisionedScheduleOption,
    SeedOption,
    SinceOption,
    UntilOption,
    WorkspaceOption,
    duration_option,
    keep_alive_help,
    memory_option,
    number_option,
)
from advisor.context import Context
from advisor.limits import BATCH, BATCH_WAIT_MS, CONCURRENCY_LIMIT, INIT_MS, INSTANCES, PER_INSTANCE_CONCURRENCY
from advisor.platform.aws_lambda import DEFAULT_KEEP_ALIVE_S
from advisor.simulate.routing import DEFAULT_ROUTING, ROUTING_CODES


def register(app: typer.Typer) -> None:
    """Add ``replay`` to ``app``."""

    @app.command("replay")
    def replay_command(
        function: Annotated[Optional[str], typer.Argument(
            help="Workspace function (or, with --trace, the function in a trace that holds several).",
            metavar="FUNCTION", show_default=False)] = None,
        trace: Annotated[Optional[Path], typer.Option(
            "--trace", help="Replay a trace file instead of a workspace function.", metavar="PATH",
            show_default=False)] = None,
        keep_alive: Annotated[float, duration_option(
            "--keep-alive", keep_alive_help(), allow_inf=True, default_s=DEFAULT_KEEP_ALIVE_S)] = DEFAULT_KEEP_ALIVE_S,
        provisioned: Annotated[int, number_option(
            "--provisioned", INSTANCES, "Pre-warmed instances, used first, never expiring")] = 0,
        provisioned_schedule: ProvisionedScheduleOption = None,
        max_concurrency: Annotated[Optional[int], number_option(
            "--max-concurrency", CONCURRENCY_LIMIT, "At most N instances; beyond, requests are throttled",
            optional=True)] = None,
        queue: Annotated[bool, typer.Option("--queue", help="At the limit, queue requests (FIFO) instead.")] = False,
        per_instance_concurrency: Annotated[int, number_option(
            "--per-instance-concurrency", PER_INSTANCE_CONCURRENCY, "Requests one instance serves at once")] = 1,
        batch: Annotated[int, number_option("--batch", BATCH, "Serve up to N requests together, as a GPU does")] = 1,
        batch_wait_ms: Annotated[float, number_option(
            "--batch-wait-ms", BATCH_WAIT_MS, "A batch waits at most this long for more", metavar="MS")] = 0.0,
        max_lifetime: Annotated[Optional[float], duration_option(
            "--max-lifetime", "Retire an instance this long after it started.", allow_inf=True)] = None,
        ping_every: PingEveryOption = None,
        ping_concurrency: PingConcurrencyOption = 1,
        routing: Annotated[str, typer.Option(
            help=f"Which idle instance takes a request: {', '.join(ROUTING_CODES)}.",
            metavar="RULE")] = DEFAULT_ROUTING,
        init_ms: Annotated[Optional[float], number_option(
            "--init-ms", INIT_MS, "Cold-start init time; default: the observed ones", metavar="MS",
            optional=True)] = None,
        memory: Annotated[Optional[int], memory_option(
            "Replay at this memory size; durations are rescaled by the duration model.")] = None,
        seed: SeedOption = 0,
        compare: Annotated[Optional[list[str]], typer.Option(
            help='Also replay a variant, e.g. "keep-alive=5m,provisioned=2" (repeatable).', metavar="SETTINGS",
            show_default=False)] = None,
        all_functions: Annotated[bool, typer.Option(
            "--all-functions", help="With --trace: replay every function of the trace as one pool.")] = False,
        calibrate: Annotated[bool, typer.Option(
            "--calibrate", help="Find the keep-alive and routing that reproduce the logged cold starts.")] = False,
        since: SinceOption = None,
        until: UntilOption = None,
        json: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Replay real traffic through a simulated instance pool: cold starts, latency, instances, cost."""
        from advisor.report.replay import render_comparison, render_summary
        from advisor.simulate.inputs import load_trace
        from advisor.simulate.scenarios import Scenario
        from advisor.simulate.schedule import ProvisionedSchedule
        from advisor.simulate.session import replay_trace

        base = Scenario.from_options(
            keep_alive_s=keep_alive, provisioned=provisioned, max_concurrency=max_concurrency, queue=queue,
            provisioned_schedule=ProvisionedSchedule.parse(provisioned_schedule) if provisioned_schedule else None,
            per_instance_concurrency=per_instance_concurrency, batch=batch, batch_wait_ms=batch_wait_ms,
            max_lifetime_s=max_lifetime, routing=routing, init_ms=init_ms, memory_mb=memory,
            ping_every_s=ping_every, ping_concurrency=ping_concurrency,
        )
        with Context.resolve(workspace, store=trace is None) as ctx:
            data = load_trace(function=function, trace_path=trace, workspace=ctx.store, since=since, until=until,
                              seed=seed, together=all_functions)
        if calibrate:
            _calibrate(data, base, json, seed)
            return
        report = replay_trace(data, base, compare or [], memory_mb=memory, seed=seed, catalog=ctx.prices)
        if json:
            emit_json(report.to_dict())
            return
        for note in report.notes:
            error_console().print(f"note: {note}.", markup=False)
        runs = report.runs
        if compare:
            console().print(render_comparison(data.name, [(s.label, s.config, r.summary()) for s, r in runs]))
        else:
            console().print(render_summary(data.name, runs[0][0].config, runs[0][1].summary()))


def _calibrate(data, base, json: bool, seed: int) -> None:
    from rich.progress import Progress

    from advisor.report.replay import render_calibration
    from advisor.simulate.calibrate import calibrate

    with Progress(console=error_console(), transient=True, disable=json or not sys.stderr.isatty()) as bar:
        task = bar.add_task("calibrating", total=None)
        fit = calibrate(data, base.config, init_ms=base.init_ms, seed=seed,
                        on_step=lambda done, total: bar.update(task, completed=done, total=total))
    if json:
        emit_json(fit.to_dict())
    else:
        console().print(render_calibration(data.name, fit))

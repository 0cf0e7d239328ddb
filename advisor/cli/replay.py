"""CLI command: ``advisor replay (FUNCTION | --trace PATH)``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from advisor.cli._console import console, emit_json, error_console
from advisor.cli._options import JsonOption, WorkspaceOption

NO_INIT_NOTE = (
    "note: no cold-start init time is known for this traffic, so cold starts add 0 ms to latency. "
    "Pass --init-ms with a measured init time (advisor analyze or advisor local invoke show one)."
)


def register(app: typer.Typer) -> None:
    """Add ``replay`` to ``app``."""

    @app.command("replay")
    def replay_command(  # noqa: PLR0913 - one option per setting of the simulated pool
        function: Annotated[Optional[str], typer.Argument(help="Workspace function (or hash in a multi-function trace).")] = None,
        trace: Annotated[Optional[Path], typer.Option("--trace", help="Trace CSV instead of a workspace function.")] = None,
        keep_alive: Annotated[str, typer.Option("--keep-alive", help="Idle time before expiry: 600, 10m, inf.")] = "10m",
        provisioned: Annotated[int, typer.Option(help="Pre-warmed instances, used first, never expiring.")] = 0,
        provisioned_schedule: Annotated[Optional[str], typer.Option(help="By UTC time of day: 08:00-20:00=5,else=0.")] = None,
        max_concurrency: Annotated[Optional[int], typer.Option(help="At most N instances.")] = None,
        queue: Annotated[bool, typer.Option("--queue", help="At the limit, queue (FIFO) instead of throttling.")] = False,
        per_instance_concurrency: Annotated[int, typer.Option(help="Requests one instance serves at once.")] = 1,
        batch: Annotated[int, typer.Option(help="Serve up to B requests together (GPU batching).")] = 1,
        batch_wait_ms: Annotated[float, typer.Option(help="A batch waits at most W ms for more requests.")] = 0.0,
        max_lifetime: Annotated[Optional[str], typer.Option(help="Retire instances this long after creation: 2h.")] = None,
        routing: Annotated[str, typer.Option(help="mru, lru, newest, oldest or random.")] = "newest",
        init_ms: Annotated[Optional[float], typer.Option(help="Cold-start init time (default: observed ones).")] = None,
        memory: Annotated[Optional[int], typer.Option(help="Replay at this memory size (MB).")] = None,
        seed: Annotated[int, typer.Option(help="Seed for random routing, init draws, spreading counts.")] = 0,
        compare: Annotated[Optional[list[str]], typer.Option(help='Also run "keep-alive=5m,provisioned=2" (repeatable).')] = None,
        calibrate: Annotated[bool, typer.Option("--calibrate", help="Fit keep-alive and routing to the logs.")] = False,
        since: Annotated[Optional[str], typer.Option(help="Workspace records from: 7d, 24h, ISO 8601.")] = None,
        until: Annotated[Optional[str], typer.Option(help="Workspace records until (exclusive).")] = None,
        json: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Replay real traffic through a simulated instance pool: cold starts, latency, instances, cost."""
        from advisor.report.replay import render_comparison, render_summary
        from advisor.simulate import scenarios as sc
        from advisor.simulate.inputs import at_memory, load_trace
        from advisor.timeparse import parse_since

        base = sc.scenario_from_settings(
            {
                "keep-alive": keep_alive, "routing": routing, "provisioned": provisioned or None,
                "provisioned-schedule": provisioned_schedule.replace(",", "+") if provisioned_schedule else None,
                "max-concurrency": max_concurrency, "queue": "yes" if queue else None,
                "per-instance-concurrency": per_instance_concurrency, "batch": batch,
                "batch-wait-ms": batch_wait_ms, "max-lifetime": max_lifetime, "init-ms": init_ms,
            },
            memory_mb=memory,
        )
        data = load_trace(function=function, trace_path=trace, workspace_path=workspace,
                          since=parse_since(since) if since else None, until=parse_since(until) if until else None,
                          seed=seed)
        data = at_memory(data, memory, seed=seed)
        if data.memory_mb is not None and memory is None:
            base.config = sc.dataclasses.replace(base.config, memory_mb=data.memory_mb)
        if base.init_ms is None and data.init_spec() == 0.0:
            error_console().print(NO_INIT_NOTE, markup=False)
        if calibrate:
            _calibrate(data, base, json, seed)
            return
        runs = sc.run_scenarios(data, [base, *(sc.parse_scenario(spec, base) for spec in compare or [])], seed=seed)
        if json and not compare:
            emit_json(runs[0][1].summary())
        elif json:
            emit_json({"trace": data.name, "runs": [{"label": s.label, "summary": r.summary()} for s, r in runs]})
        elif compare:
            console().print(render_comparison(data.name, [(s.label, s.config, r.summary()) for s, r in runs]))
        else:
            console().print(render_summary(data.name, runs[0][0].config, runs[0][1].summary()))


def _calibrate(data, base, json: bool, seed: int) -> None:  # noqa: ANN001 - typed in the library
    from advisor.report.replay import render_calibration
    from advisor.simulate.calibrate import calibrate

    from rich.progress import Progress

    with Progress(console=error_console(), transient=True, disable=json or not sys.stderr.isatty()) as bar:
        task = bar.add_task("calibrating", total=None)
        fit = calibrate(data, base.config, init_ms=base.init_ms, seed=seed,
                        on_step=lambda done, total: bar.update(task, completed=done, total=total))
    if json:
        emit_json(fit.to_dict())
    else:
        console().print(render_calibration(data.name, fit))

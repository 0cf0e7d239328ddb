"""CLI command: ``advisor tune FUNCTION --sla p95=2s`` (the cheapest configuration that meets the SLA)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from advisor import limits
from advisor.cli._console import console, emit_json, error_console
from advisor.cli._options import JsonOption, SeedOption, WorkspaceOption, _named, duration_option, number_option
from advisor.errors import UsageError
from advisor.platform.aws_lambda import DEFAULT_TIMEOUT_S
from advisor.sla import EXAMPLE as SLA_EXAMPLE
from advisor.sla import Sla
from advisor.tune.settings import DEFAULT_INVOCATIONS, KEEP_WARM_STRATEGIES
from advisor.tune.space import EXAMPLE as MEMORY_EXAMPLE
from advisor.tune.space import MemorySpace, parse_architectures


def register(app: typer.Typer) -> None:
    """Add ``tune`` to ``app``."""

    @app.command("tune")
    def tune_command(
        function: Annotated[str, typer.Argument(help="The function to tune (its name on the target).",
                                                metavar="FUNCTION", show_default=False)],
        sla: Annotated[Sla, typer.Option(
            "--sla", help=f"Latency objectives, all of which must hold, e.g. {SLA_EXAMPLE}.", metavar="SLA",
            parser=_named("--sla", Sla.parse), show_default=False)],
        target: Annotated[str, typer.Option(
            help="Where to invoke: aws, local (with --handler), path/to/file.py:Class or package.module:Class.",
            metavar="TARGET")] = "aws",
        handler: Annotated[Optional[str], typer.Option(
            help="With --target local: path/to/file.py:function or package.module:function.",
            metavar="HANDLER", show_default=False)] = None,
        target_option: Annotated[Optional[list[str]], typer.Option(
            "--target-option", help="A plugin target's constructor argument KEY=VALUE (repeatable).",
            metavar="KEY=VALUE", show_default=False)] = None,
        region: Annotated[Optional[str], typer.Option(help="With --target aws: the region (default: profile/env).",
                                                      show_default=False)] = None,
        profile: Annotated[Optional[str], typer.Option(help="With --target aws: the named profile.",
                                                       show_default=False)] = None,
        endpoint_url: Annotated[Optional[str], typer.Option(
            help="With --target aws: the Lambda API's address, e.g. that of `advisor local serve`.",
            metavar="URL", show_default=False)] = None,
        invocation_timeout: Annotated[float, duration_option(
            "--invocation-timeout", "With --target local: an invocation's timeout, as Lambda's.",
            default_s=DEFAULT_TIMEOUT_S)] = DEFAULT_TIMEOUT_S,
        payload: Annotated[Optional[list[str]], typer.Option(
            "--payload", help="A JSON event file, optionally weighted FILE:3 (repeatable; default {}).",
            metavar="FILE[:WEIGHT]", show_default=False)] = None,
        payloads: Annotated[Optional[Path], typer.Option(
            "--payloads", help="A directory of JSON event files (*.json), each of weight 1.", metavar="DIR",
            show_default=False)] = None,
        trace: Annotated[Optional[Path], typer.Option(
            "--trace", help="Traffic: a trace file's arrivals (default: the function's imported invocations).",
            metavar="PATH", show_default=False)] = None,
        rate: Annotated[Optional[str], typer.Option(
            "--rate", help="Traffic: a steady rate, e.g. 5/s, 30/min, 100/h.", metavar="RATE",
            show_default=False)] = None,
        memory: Annotated[MemorySpace, typer.Option(
            "--memory", help=f"Memory sizes to consider (MB): a range or a list, e.g. {MEMORY_EXAMPLE}.",
            metavar="MB", parser=_named("--memory", MemorySpace.parse))] = MemorySpace.full(),
        arch: Annotated[Optional[str], typer.Option(
            "--arch", help="Architectures to consider, e.g. x86_64,arm64 (default: the function's own).",
            metavar="ARCHS", show_default=False)] = None,
        keep_warm: Annotated[str, typer.Option(
            "--keep-warm", help="Keep-warm strategies to consider, some of: none,provisioned,schedule,pings.",
            metavar="STRATEGIES")] = ",".join(KEEP_WARM_STRATEGIES),
        budget_invocations: Annotated[int, number_option(
            "--budget-invocations", limits.TUNE_INVOCATIONS, "Invocations the tuning may make, all trials together",
        )] = DEFAULT_INVOCATIONS,
        budget_usd: Annotated[Optional[float], number_option(
            "--budget-usd", limits.TUNE_USD, "What those invocations may cost (USD)", metavar="USD",
            optional=True)] = None,
        timeout: Annotated[Optional[float], duration_option(
            "--timeout", "Stop the tuning after this long (default: no limit).")] = None,
        study: Annotated[Optional[str], typer.Option(
            help="The Optuna study's name (default tune-FUNCTION).", metavar="NAME", show_default=False)] = None,
        resume: Annotated[bool, typer.Option("--resume", help="Continue (or join) the study, reusing its trials.")]
        = False,
        storage: Annotated[Optional[str], typer.Option(
            help="An Optuna storage URL; postgresql://... lets several workers share one study "
                 "(default: the workspace's SQLite file).", metavar="URL", show_default=False)] = None,
        seed: SeedOption = 0,
        dry_run: Annotated[bool, typer.Option(
            "--dry-run", help="Print the plan (first sizes, budget, estimated cost) and change nothing.")] = False,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before changing the function.")] = False,
        json: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Find the cheapest memory, architecture and keep-warm setting that meets the SLA, by invoking the function."""
        from advisor.context import Context
        from advisor.report.tune import render_plan, render_result
        from advisor.tune import session
        from advisor.tune.live import LiveView
        from advisor.tune.payloads import load_payloads
        from advisor.tune.settings import Budgets
        from advisor.tune.traffic import TrafficSource

        request = session.TuneRequest(
            function=function, sla=sla,
            target=session.TargetSpec.parse(target, handler=handler, options=target_option or (), region=region,
                                            profile=profile, endpoint_url=endpoint_url,
                                            invocation_timeout_s=invocation_timeout),
            memory=memory, architectures=parse_architectures(arch) if arch is not None else None,
            keep_warm=session.parse_keep_warm(keep_warm),
            payloads=load_payloads(payload or (), payloads),
            traffic=TrafficSource.from_options(trace=trace, rate=rate),
            budgets=Budgets(budget_invocations, budget_usd, timeout),
            study=study, storage=storage, resume=resume, seed=seed,
        )
        if not (yes or dry_run or sys.stdin.isatty()):
            _refuse(function)  # before the target is even read
        with Context.resolve(workspace) as ctx:
            prepared = session.prepare(request, ctx, build_target=not dry_run)
            with contextlib.closing(prepared):
                plan = session.plan_of(prepared, ctx)
                if dry_run:
                    if json:
                        emit_json(plan.to_dict())
                    else:
                        console().print(render_plan(plan.to_dict(), prepared.traffic))
                    return
                if not yes:
                    _confirm(function, render_plan(plan.to_dict(), prepared.traffic))
                with LiveView(error_console(), function=function, sla=str(sla),
                              enabled=not json and sys.stderr.isatty()) as view:
                    outcome = session.run(prepared, ctx, on_event=view)
        for line in (*outcome.notices, *outcome.restored):
            error_console().print(f"note: {line}", markup=False)
        document = outcome.result.to_dict()
        if json:
            emit_json(document)
            return
        console().print(render_result(document))


def _refuse(function: str) -> None:
    """Nobody can answer the question (stdin is not a terminal) and --yes was not given.

    Raises:
        UsageError: always.
    """
    raise UsageError(f"advisor tune invokes and reconfigures {function} and stdin is not a terminal to ask on.",
                     hint="Add --yes to go ahead without asking, or --dry-run to see the plan.")


def _confirm(function: str, plan: object) -> None:
    """Show the plan and ask before anything changes.

    Raises:
        typer.Exit: the user said no (exit 1, nothing changed).
    """
    error_console().print(plan)
    if not typer.confirm(f"Tune {function} now?", default=False, err=True):
        error_console().print("not tuned: nothing was changed.", markup=False)
        raise typer.Exit(1)

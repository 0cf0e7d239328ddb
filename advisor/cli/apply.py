"""CLI command: ``advisor apply FUNCTION`` (set a recommendation on the live function, or print its IaC)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from advisor import limits
from advisor.cli._console import console, emit_json, error_console
from advisor.cli._options import JsonOption, WorkspaceOption, _named, memory_option, number_option
from advisor.errors import UsageError
from advisor.sla import EXAMPLE, Sla


def register(app: typer.Typer) -> None:
    """Add ``apply`` to ``app``."""

    @app.command("apply")
    def apply_command(
        function: Annotated[str, typer.Argument(help="The Lambda function to change.", metavar="FUNCTION",
                                                show_default=False)],
        from_file: Annotated[Optional[Path], typer.Option(
            "--from", help="The JSON of `advisor recommend FUNCTION --json`: its recommended configuration.",
            metavar="REC.json", show_default=False)] = None,
        sla: Annotated[Optional[Sla], typer.Option(
            "--sla", help="Apply the workspace's recommendation for this SLA (as `advisor recommend FUNCTION "
                          f"--sla`), e.g. {EXAMPLE}.", metavar="SLA", parser=_named("--sla", Sla.parse),
            show_default=False)] = None,
        memory: Annotated[Optional[int], memory_option("The memory size to set")] = None,
        arch: Annotated[Optional[str], typer.Option(
            "--arch", help="The architecture (x86_64 or arm64); a change re-uploads the code with it.",
            metavar="ARCH", show_default=False)] = None,
        code: Annotated[Optional[Path], typer.Option(
            "--code", help="With another architecture: the zip package built for it (default: the function's own, "
                           "if it holds no native code).", metavar="PATH.zip", show_default=False)] = None,
        image_uri: Annotated[Optional[str], typer.Option(
            "--image-uri", help="With another architecture, for an image function: an image built for it.",
            metavar="URI", show_default=False)] = None,
        provisioned: Annotated[Optional[int], number_option(
            "--provisioned", limits.INSTANCES, "Provisioned concurrency on the alias, 0 removes it",
            optional=True)] = None,
        schedule: Annotated[Optional[str], typer.Option(
            "--schedule", help="Provisioned concurrency by UTC time of day, e.g. 08:00-20:00=5,else=0.",
            metavar="SPEC", show_default=False)] = None,
        alias: Annotated[Optional[str], typer.Option(
            "--alias", help="The alias your callers invoke: published to, and where provisioned concurrency "
                            "lives (needed with any keep-warm).", metavar="NAME", show_default=False)] = None,
        iac: Annotated[Optional[str], typer.Option(
            "--iac", help="Print the snippet for sam, terraform or cdk instead of changing anything.",
            metavar="sam|terraform|cdk", show_default=False)] = None,
        region: Annotated[Optional[str], typer.Option(help="The region (default: profile/env).",
                                                      show_default=False)] = None,
        profile: Annotated[Optional[str], typer.Option(help="The named AWS profile.", show_default=False)] = None,
        endpoint_url: Annotated[Optional[str], typer.Option(
            help="Another address for the Lambda and Application Auto Scaling APIs (a local emulator).",
            metavar="URL", show_default=False)] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the changes and change nothing.")] = False,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before changing the function.")] = False,
        json: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Set a recommended memory, architecture and keep-warm on FUNCTION (`advisor restore` undoes it)."""
        from advisor.apply import desired as wanted
        from advisor.apply import iac as snippets
        from advisor.apply import session
        from advisor.apply.code import CodeSource
        from advisor.location import resolve_path
        from advisor.tune.journal import check_no_journal

        explicit = {"--memory": memory, "--arch": arch, "--provisioned": provisioned, "--schedule": schedule}
        given = [name for name, value in explicit.items() if value is not None]
        sources = [name for name, value in (("--sla", sla), ("--from", from_file)) if value is not None]
        if len(sources) + bool(given) > 1:
            said = [*sources, *given[:1]]
            raise UsageError(f"{said[0]} and {said[1]} both say what to apply", hint="Give one of them.")
        if sla is not None:
            from advisor.context import Context

            with Context.resolve(workspace) as ctx:
                target = wanted.from_workspace(ctx, function, sla)
        elif from_file is not None:
            target = wanted.from_file(from_file, function=function)
        else:
            target = wanted.from_options(memory_mb=memory, architecture=arch, provisioned=provisioned,
                                         schedule=schedule)
        source = CodeSource(code, image_uri)
        if iac is not None:
            typer.echo(snippets.render(iac, target, function=function, alias=alias), nl=False)
            return
        if not (yes or dry_run or sys.stdin.isatty()):
            raise UsageError(f"advisor apply changes {function} and stdin is not a terminal to ask on.",
                             hint="Add --yes to go ahead without asking, or --dry-run to see the changes.")
        path = resolve_path(workspace)
        if not dry_run:
            check_no_journal(path, function)
        prepared = session.prepare(function, target, alias=alias, connection=session.Connection(
            region=region, profile=profile, endpoint_url=endpoint_url), code=source)
        document: dict[str, Any] = {"function": function, "desired": target.to_dict(),
                                    "plan": prepared.plan.to_dict(), "dry_run": dry_run, "applied": False,
                                    "actions": [], "journal": None}
        if dry_run or prepared.plan.empty:
            _show(document, json)
            return
        if not yes:
            _confirm(function, document)
        outcome = session.run(prepared, path, on_restored=_restored)
        for notice in outcome.notices:
            error_console().print(f"note: {notice}", markup=False)
        document.update(applied=True, actions=outcome.actions, journal=str(outcome.journal))
        _show(document, json, done=True)


def _show(document: dict[str, Any], json: bool, *, done: bool = False) -> None:
    from advisor.report.apply import render_plan, render_result

    if json:
        emit_json(document)
        return
    console().print(render_plan(document))
    if done:
        console().print(render_result(document))


def _confirm(function: str, document: dict[str, Any]) -> None:
    """Show the changes and ask before any is made.

    Raises:
        typer.Exit: the user said no (exit 1, nothing changed).
    """
    from advisor.report.apply import render_plan

    error_console().print(render_plan(document))
    if not typer.confirm(f"Apply these changes to {function} now?", default=False, err=True):
        error_console().print("not applied: nothing was changed.", markup=False)
        raise typer.Exit(1)


def _restored(lines: list[str]) -> None:
    for line in lines or ["nothing had been changed yet"]:
        error_console().print(f"restored: {line}", markup=False)

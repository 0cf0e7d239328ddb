"""CLI commands: ``advisor import logs``, ``advisor import trace`` and ``advisor import powertuning``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Optional

import typer

from advisor.cli._console import console, emit_json, error_console
from advisor.cli._options import JsonOption, SeedOption, WorkspaceOption
from advisor.logs.formats import LOG_FORMAT_NAMES, TRACE_FORMAT_NAMES
from advisor.logs.importing import ImportOutcome, import_logs, import_trace

#: Rejections and functions listed in the human summary (all of them are in --json).
SHOWN_REJECTIONS = 5
SHOWN_FUNCTIONS = 10

Paths = Annotated[list[Path], typer.Argument(help="Files to import (plain or .gz).", metavar="FILE...",
                                             show_default=False)]
Strict = Annotated[bool, typer.Option("--strict", help="Fail on the first rejected line.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Parse and report; store nothing.")]


def register(app: typer.Typer) -> None:
    """Add ``logs``, ``trace`` and ``powertuning`` to the ``import`` group ``app``."""

    @app.command("logs")
    def logs_command(
        paths: Paths,
        function: Annotated[Optional[str], typer.Option(
            "--function", "-f", help="Function name (default: from the export's /aws/lambda/NAME).",
            metavar="NAME")] = None,
        format: Annotated[Optional[str], typer.Option(
            "--format", help=f"Force a format instead of detecting it: {', '.join(LOG_FORMAT_NAMES)}.",
            metavar="FORMAT")] = None,
        strict: Strict = False,
        allow_emulator: Annotated[bool, typer.Option(
            "--allow-emulator", help="Accept local emulator (RIE / SAM local) output.")] = False,
        dry_run: DryRun = False,
        json: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Import Lambda logs: text or JSON log format, CloudWatch exports, Logs Insights results."""
        with _progress(len(paths), quiet=json) as progress:
            outcome = import_logs(paths, function=function, format=format, strict=strict,
                                  allow_emulator=allow_emulator, dry_run=dry_run, workspace=workspace,
                                  on_file=progress.file_done, on_progress=progress.fraction)
        _render(outcome, json=json, dry_run=dry_run)

    @app.command("trace")
    def trace_command(
        paths: Paths,
        format: Annotated[Optional[str], typer.Option(
            "--format", help=f"Force a format instead of detecting it: {', '.join(TRACE_FORMAT_NAMES)}.",
            metavar="FORMAT")] = None,
        function: Annotated[Optional[str], typer.Option(
            "--function", "-f", help="Select a function (hash prefix) or, for csv/LLM, name it.",
            metavar="NAME")] = None,
        seed: SeedOption = 0,
        strict: Strict = False,
        dry_run: DryRun = False,
        json: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Import a public trace (Azure Functions 2019/2021, Azure LLM 2023) or a generic CSV."""
        outcome = import_trace(paths, format=format, function=function, seed=seed, strict=strict,
                               dry_run=dry_run, workspace=workspace)
        _render(outcome, json=json, dry_run=dry_run)

    @app.command("powertuning")
    def powertuning_command(
        function: Annotated[str, typer.Argument(help="The function Power Tuning measured.", metavar="FUNCTION",
                                                show_default=False)],
        inputs: Annotated[list[str], typer.Argument(
            help="Power Tuning's output JSON (as the execution printed it, or describe-execution / "
                 "get-execution-history) or its visualization URL.", metavar="FILE|URL...", show_default=False)],
        arch: Annotated[Optional[str], typer.Option(
            "--arch", help="The function's architecture (Power Tuning does not record it).",
            metavar="ARCH")] = None,
        dry_run: DryRun = False,
        json: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Import AWS Lambda Power Tuning results (mean duration and cost per memory size) as evidence."""
        from advisor.powertuning.importing import import_powertuning

        outcome = import_powertuning(function, inputs, architecture=arch, dry_run=dry_run, workspace=workspace)
        if json:
            emit_json(outcome.to_dict())
            return
        from advisor.report.powertuning import render_import

        render_import(outcome)


@dataclass
class _Progress:
    """What the import reports: a file parsed, or the fraction of all files stored."""

    file_done: Callable[[Path], None] | None
    fraction: Callable[[float], None] | None


@contextmanager
def _progress(files: int, *, quiet: bool) -> Iterator[_Progress]:
    """A progress bar on stderr, shown only on a terminal and not with --json."""
    stderr = error_console()
    if quiet or not stderr.is_terminal:
        yield _Progress(None, None)  # nothing to draw: the bulk path then skips polling
        return
    from rich.progress import Progress  # only when a bar is shown: it costs start-up time

    with Progress(console=stderr, transient=True) as bar:
        task = bar.add_task("importing", total=files)
        yield _Progress(lambda path: bar.advance(task),
                        lambda done: bar.update(task, completed=done * files))


def _names(functions: list[str]) -> str:
    """``F``, or ``3 functions: a, b, c`` (the first few of many)."""
    if len(functions) <= 1:
        return functions[0] if functions else "no function"
    shown = ", ".join(functions[:SHOWN_FUNCTIONS])
    hidden = len(functions) - SHOWN_FUNCTIONS
    more = f" and {hidden:,} more (--json lists them all)" if hidden > 0 else ""
    return f"{len(functions):,} functions: {shown}{more}"


def _render(outcome: ImportOutcome, *, json: bool, dry_run: bool) -> None:
    if json:
        emit_json(outcome.to_dict(with_records=dry_run))
        return
    from rich.table import Table

    summary = outcome.summary
    out = console()
    out.print(f"[bold]import[/bold] {_names(outcome.functions)} ({outcome.format})")
    for detection in outcome.detections:
        out.print(f"read {detection.file} as {detection.format}: {detection.reason}", markup=False)
    table = Table(show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for key, value in outcome.counts.items():
        table.add_row(key, f"{value:,}")
    if summary is not None:
        table.add_row("added", f"{summary.added:,}")
        table.add_row("duplicates", f"{summary.duplicates:,}")
    else:
        table.add_row("stored", "nothing (dry run)")
    out.print(table)
    for rejection in outcome.rejected[:SHOWN_REJECTIONS]:
        out.print(f"rejected {rejection.file}:{rejection.line}: {rejection.reason}", markup=False)
    if len(outcome.rejected) > SHOWN_REJECTIONS:
        out.print(f"... and {len(outcome.rejected) - SHOWN_REJECTIONS} more (--json lists them all)")

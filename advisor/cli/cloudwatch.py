"""CLI command: ``advisor import cloudwatch FUNCTION``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from advisor.cli._console import console, emit_json, error_console
from advisor.cli._options import JsonOption, WorkspaceOption
from advisor.timeparse import parse_since

if TYPE_CHECKING:
    from advisor.cloudwatch import CloudWatchImport


def register(app: typer.Typer) -> None:
    """Add ``cloudwatch`` to the ``import`` group ``app``."""

    @app.command("cloudwatch")
    def cloudwatch_command(
        function: Annotated[str, typer.Argument(help="Lambda function name.")],
        since: Annotated[str, typer.Option(help="Start: 7d, 24h, 90m or an ISO 8601 time.")] = "7d",
        until: Annotated[Optional[str], typer.Option(help="End (default now): same forms as --since.")] = None,
        region: Annotated[Optional[str], typer.Option(help="AWS region (default: profile/env).")] = None,
        profile: Annotated[Optional[str], typer.Option(help="AWS named profile.")] = None,
        insights: Annotated[bool, typer.Option("--insights", help="Use Logs Insights queries (large ranges).")] = False,
        endpoint_url: Annotated[Optional[str], typer.Option(hidden=True)] = None,
        json: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Import FUNCTION's REPORT logs from CloudWatch; a second run fetches only what is new."""
        from advisor.cloudwatch import import_cloudwatch  # boto3 is slow to import: only when used
        from advisor.workspace import Workspace  # DuckDB too

        start, end = parse_since(since), parse_since(until) if until else datetime.now(UTC)
        with Workspace.open(workspace) as ws, _progress(json, start, end) as advance:
            result = import_cloudwatch(
                ws, function, since=start, until=end, region=region, profile=profile,
                endpoint_url=endpoint_url, insights=insights, progress=advance,
            )
        if json:
            emit_json(_document(result))
        else:
            console().print(_summary(result), highlight=False)


class _progress:  # noqa: N801 - a context manager used like a function
    """A rich bar over the time range on stderr; silent under --json or when stderr is not a terminal."""

    def __init__(self, quiet: bool, start: datetime, end: datetime) -> None:
        err = error_console()
        self.start_ms, self.total = int(start.timestamp() * 1000), int((end - start).total_seconds() * 1000)
        self.bar = None if quiet or not err.is_terminal else Progress(
            TextColumn("fetching"), BarColumn(), TextColumn("{task.fields[events]:,} events"),
            TimeElapsedColumn(), console=err, transient=True,
        )

    def __enter__(self):
        if self.bar is None:
            return None
        self.bar.start()
        task = self.bar.add_task("fetch", total=self.total, events=0)
        return lambda events, last_ms: self.bar.update(task, completed=last_ms - self.start_ms, events=events)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _document(result: CloudWatchImport) -> dict:
    return {
        "function": asdict(result.config),
        "start_ms": result.start_ms, "end_ms": result.end_ms, "resumed": result.resumed, "events": result.events,
        "import": asdict(result.summary), "rejected": [r.as_dict() for r in result.rejected],
    }


def _summary(result: CloudWatchImport) -> str:
    s, c = result.summary, result.config
    resumed = " (resumed after the previous import)" if result.resumed else ""
    return (
        f"{c.name}: {result.events:,} events from {c.log_group} ({c.region}){resumed}: {s.added:,} invocations added, "
        f"{s.duplicates:,} already stored, {s.ignored:,} lines ignored, {s.rejected:,} rejected. "
        f"Memory {c.memory_mb} MB, {c.architecture}, {c.runtime}."
    )

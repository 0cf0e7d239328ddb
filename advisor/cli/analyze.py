"""CLI command: ``advisor analyze FUNCTION``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from advisor.analyze import analyze
from advisor.cli._console import console, emit_json
from advisor.cli._options import JsonOption, WorkspaceOption
from advisor.report.analyze import render_analysis
from advisor.timeparse import parse_since
from advisor.workspace import Workspace


def register(app: typer.Typer) -> None:
    """Add ``analyze`` to ``app``."""

    @app.command("analyze")
    def analyze_command(
        function: Annotated[str, typer.Argument(help="Function name, as imported.")],
        since: Annotated[Optional[str], typer.Option(help="Start: 7d, 24h, 90m or an ISO 8601 time.")] = None,
        until: Annotated[Optional[str], typer.Option(help="End (exclusive): same forms as --since.")] = None,
        json: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Traffic, cold starts, latency tail, memory headroom, concurrency and cost of FUNCTION."""
        start = parse_since(since) if since else None
        end = parse_since(until) if until else None
        with Workspace.open(workspace) as ws:
            result = analyze(ws, function, since=start, until=end)
        if json:
            emit_json(result.to_dict())
        else:
            console().print(render_analysis(result))

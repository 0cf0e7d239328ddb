"""CLI command: ``advisor analyze FUNCTION``."""

from __future__ import annotations

from typing import Annotated

import typer

from advisor.analyze import analyze
from advisor.cli._console import console, emit_json
from advisor.cli._options import JsonOption, SinceOption, UntilOption, WorkspaceOption
from advisor.context import Context
from advisor.report.analyze import render_analysis


def register(app: typer.Typer) -> None:
    """Add ``analyze`` to ``app``."""

    @app.command("analyze")
    def analyze_command(
        function: Annotated[str, typer.Argument(help="Function name, as imported.", metavar="FUNCTION")],
        since: SinceOption = None,
        until: UntilOption = None,
        json: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Traffic, cold starts, latency tail, memory headroom, concurrency and cost of FUNCTION."""
        with Context.resolve(workspace) as ctx:
            assert ctx.store is not None
            result = analyze(ctx.store, function, since=since, until=until, catalog=ctx.prices)
        if json:
            emit_json(result.to_dict())
        else:
            console().print(render_analysis(result))

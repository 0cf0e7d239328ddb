"""CLI command: ``advisor functions``: what the workspace holds."""

from __future__ import annotations

import typer

from advisor.cli._console import console, emit_json
from advisor.cli._options import JsonOption, WorkspaceOption
from advisor.context import Context


def register(app: typer.Typer) -> None:
    """Add ``functions`` to ``app``."""

    @app.command("functions")
    def functions_command(json: JsonOption = False, workspace: WorkspaceOption = None) -> None:
        """List the workspace's functions: invocations stored, time span, memory and architecture."""
        from advisor.report.functions import render_functions

        with Context.resolve(workspace) as ctx:
            assert ctx.store is not None
            listing = ctx.store.listing()
        if json:
            emit_json({"workspace": str(ctx.path), "functions": [row.to_dict() for row in listing]})
        else:
            console().print(render_functions(ctx.path, listing))

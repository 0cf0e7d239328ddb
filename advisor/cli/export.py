"""CLI commands: ``advisor export powertuning-url``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from advisor.cli._console import emit_json
from advisor.cli._options import JsonOption, WorkspaceOption

export_app = typer.Typer(help="Export advisor's measurements for other tools.", no_args_is_help=True)


@export_app.command("powertuning-url")
def powertuning_url_command(
    function: Annotated[str, typer.Argument(help="Function in the workspace.", metavar="FUNCTION", show_default=False)],
    arch: Annotated[Optional[str], typer.Option(
        "--arch", help="Only this architecture's sizes (default: every one measured; two make a comparison).",
        metavar="ARCH")] = None,
    json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """A Power Tuning visualization URL of the function's measured sizes (tuning and traffic)."""
    from advisor.context import Context
    from advisor.powertuning.export import export_url

    with Context.resolve(workspace) as context:
        assert context.store is not None
        export = export_url(context.store, function, catalog=context.prices, architecture=arch)
    if json:
        emit_json(export.to_dict())
        return
    from advisor.report.powertuning import render_export

    render_export(export)


def register(app: typer.Typer) -> None:
    """Add the ``export`` command group to ``app``."""
    app.add_typer(export_app, name="export")

"""CLI commands: ``advisor restore FUNCTION`` and ``advisor iam-policy [tune|apply|import]``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from advisor.cli._console import emit_json, error_console
from advisor.cli._options import JsonOption, WorkspaceOption
from advisor.errors import UsageError


def register(app: typer.Typer) -> None:
    """Add ``restore`` and ``iam-policy`` to ``app``."""

    @app.command("restore")
    def restore_command(
        function: Annotated[str, typer.Argument(help="The function a tuning or an apply changed.")],
        keep: Annotated[bool, typer.Option(
            "--keep", help="After `advisor apply`: keep what it applied and forget the original (change nothing).",
        )] = False,
        json: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """Put FUNCTION back as it was before a killed tuning or an `advisor apply`, and delete what they created."""
        from advisor.location import resolve_path
        from advisor.tune.journal import journal_path, restore_function

        path = resolve_path(workspace)
        lines = restore_function(path, function, keep=keep)
        if json:
            emit_json({"function": function, "restored": lines is not None, "actions": lines or []})
            return
        if lines is None:
            typer.echo(f"nothing to restore for {function}: no journal at {journal_path(path, function)}")
            return
        for line in lines or ["the target kept nothing to put back"]:
            typer.echo(line)
        typer.echo(f"{function} keeps what was applied; its journal is removed." if keep
                   else f"{function} is restored; its journal is removed.")

    @app.command("iam-policy")
    def iam_policy_command(
        kind: Annotated[str, typer.Argument(help="tune, apply or import.", metavar="[tune|apply|import]")] = "tune",
        function: Annotated[str, typer.Option(help="Limit the policy to this function (default: any).")] = "*",
        region: Annotated[Optional[str], typer.Option(help="Limit it to this region (default: any).")] = None,
        account: Annotated[Optional[str], typer.Option(help="Limit it to this account id (default: any).")] = None,
    ) -> None:
        """Print the least-privilege IAM policy (JSON) of `advisor tune`, `apply` or `import cloudwatch`."""
        from advisor.tune.iam import KINDS, policy_json

        if kind not in KINDS:
            raise UsageError(f"iam-policy {kind!r} is not one of {', '.join(KINDS)}")
        if function == "*" and region is None and account is None:
            error_console().print("note: any function, region and account; narrow it with --function, "
                                  "--region, --account.", markup=False)
        typer.echo(policy_json(kind, function=function, region=region or "*", account=account or "*"))

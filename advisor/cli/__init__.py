"""The ``advisor`` command line: thin adapters over the library, kept at the edge.

Each command module exposes ``register(app)`` and adds its commands to the typer
app it is given. Commands parse options, call one library function and render the
result; :func:`run` maps every :class:`~advisor.errors.AdvisorError` to a one-line
message and an exit code, here and nowhere else.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from advisor import __version__
from advisor.cli import analyze, cloudwatch, imports, local, model, pricing, replay
from advisor.cli._console import error_console
from advisor.errors import AdvisorError

from typer import Abort, Exit

try:  # typer >= 0.26 vendors click; older releases use the click package.
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException

EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="advisor",
    help="Size serverless ML inference: memory, keep-warm and platform, against a latency SLA.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(
    help="Import invocation records (CloudWatch logs, exports, public traces) into the workspace.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

imports.register(import_app)
cloudwatch.register(import_app)
analyze.register(app)
pricing.register(app)
replay.register(app)
model.register(app)
local.register(app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"advisor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Size serverless ML inference against a latency SLA at minimum price."""


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return its exit code; never raises for user errors."""
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = command.main(args=args, prog_name="advisor", standalone_mode=False)
    except AdvisorError as exc:
        error_console().print(f"error: {exc}", markup=False, highlight=False)
        return exc.exit_code
    except Exit as exc:
        return exc.exit_code
    except ClickException as exc:
        exc.show()
        return exc.exit_code
    except (KeyboardInterrupt, Abort):
        error_console().print("interrupted: nothing was left half-done.", markup=False)
        return EXIT_INTERRUPTED
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())

"""The ``advisor`` command line: thin adapters over the library, kept at the edge.

Each command module exposes ``register(app)`` and adds its commands to the typer
app it is given. Commands parse options, call one library function and render the
result; :func:`run` maps every :class:`~advisor.errors.AdvisorError` to a one-line
message and an exit code, here and nowhere else.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer
from typer import Abort, Exit

from advisor import __version__
from advisor.cli import _help
from advisor.cli._console import error_console
from advisor.errors import AdvisorError

try:  # typer >= 0.26 vendors click; older releases use the click package.
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException  # type: ignore[assignment]

EXIT_INTERRUPTED = 130
#: What DuckDB raises (as RuntimeError) when SIGINT stops a running statement.
DUCKDB_INTERRUPTED = "Query interrupted"

#: Command word -> the modules that register it. Only the modules of the command being
#: run are imported, so ``advisor replay`` does not pay for scikit-learn and
#: ``advisor pricing`` does not pay for numba.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "import": ("imports", "cloudwatch"),
    "analyze": ("analyze",),
    "replay": ("replay",),
    "breakeven": ("breakeven",),
    "model": ("model",),
    "pricing": ("pricing",),
    "local": ("local",),
    "functions": ("functions",),
    "restore": ("restore",), "iam-policy": ("restore",),
    "tune": ("tune",),
    "export": ("export",),
    "recommend": ("recommend",),
    "apply": ("apply",),
}

IMPORT_HELP = ("Import invocation records (CloudWatch logs, exports, public traces) and Power Tuning results "
               "into the workspace.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"advisor {__version__}")
        raise typer.Exit()


def build_app(commands: Sequence[str] | None = None) -> typer.Typer:
    """Build the typer app with ``commands`` registered (all of them when None).

    Args:
        commands: Command words from :data:`COMMAND_MODULES` to register.

    Returns:
        The root typer app.
    """
    _help.install()
    app = typer.Typer(
        name="advisor",
        help="Size serverless ML inference: memory, keep-warm and platform, against a latency SLA.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ) -> None:
        """Size serverless ML inference against a latency SLA at minimum price."""

    for word in COMMAND_MODULES if commands is None else commands:
        target = app
        if word == "import":
            target = typer.Typer(help=IMPORT_HELP, no_args_is_help=True)
            app.add_typer(target, name="import")
        for name in COMMAND_MODULES[word]:
            importlib.import_module(f"advisor.cli.{name}").register(target)
    return app


def _command_word(args: Sequence[str]) -> str | None:
    """The command word of ``args`` when it names a known command, else None."""
    for arg in args:
        if not arg.startswith("-"):
            return arg if arg in COMMAND_MODULES else None
    return None


def run(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0911 - one return per way a command ends
    """Run the CLI on ``argv`` and return its exit code; never raises for user errors."""
    args = list(sys.argv[1:] if argv is None else argv)
    word = _command_word(args)
    if word is not None:
        commands: list[str] | None = [word]
    elif "--version" in args and "--help" not in args:
        commands = []
    else:  # help, no arguments, or an unknown word: list every command
        commands = None
    app = build_app(commands)
    if word == "import":
        from advisor.launch import prefetch

        prefetch(args)  # large logs: parse while the command line is being read (if not yet)
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="advisor", standalone_mode=False)
    except AdvisorError as exc:
        error_console().print(f"error: {exc}", markup=False, highlight=False)
        return exc.exit_code
    except Exit as exc:
        return exc.exit_code
    except ClickException as exc:
        error_console().print(f"error: {click_message(exc)}", markup=False, highlight=False)
        return exc.exit_code
    except (KeyboardInterrupt, Abort):
        return _interrupted()
    except Exception as exc:
        if _is_duckdb_interrupt(exc):
            return _interrupted()
        raise
    if result == EXIT_INTERRUPTED:
        # Ctrl-C in a command's Python code: typer returns 130 silently (no command returns
        # it on its own), so the line that says nothing was left half-done is printed here.
        return _interrupted()
    return result if isinstance(result, int) else 0


def click_message(exc: ClickException) -> str:
    """A command-line error as one line, like every other error, with where to read the options.

    typer's own rendering takes three lines (usage, a pointer to --help, the error) in a box.
    """
    message = exc.format_message().strip().rstrip(".")
    context = getattr(exc, "ctx", None)
    where = f"advisor {' '.join(context.command_path.split()[1:])}".strip() if context else "advisor"
    return f"{message}. Run `{where} --help` for the options."


def _interrupted() -> int:
    error_console().print("interrupted: nothing was left half-done.", markup=False)
    return EXIT_INTERRUPTED


def _is_duckdb_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is Ctrl-C arriving while DuckDB ran a statement.

    DuckDB takes SIGINT over while a statement runs and raises ``RuntimeError('Query
    interrupted')`` instead of KeyboardInterrupt (an interrupted connection raises its
    ``InterruptException``). The type is matched by name so that commands which never touch
    DuckDB do not import it; ``tests/cli/test_interrupt.py`` holds both against real DuckDB.
    """
    if type(exc).__name__ == "InterruptException" and type(exc).__module__.endswith("duckdb"):
        return True
    return isinstance(exc, RuntimeError) and str(exc) == DUCKDB_INTERRUPTED


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())

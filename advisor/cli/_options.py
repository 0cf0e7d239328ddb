"""Options shared by several commands, each parsed and checked at the edge by the one library
function that owns its syntax or bound (durations, times, memory sizes, seeds)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from advisor import limits
from advisor.errors import UsageError
from advisor.platform import Bound, aws_lambda
from advisor.timeparse import parse_since
from advisor.units import DURATION_EXAMPLES, format_duration, parse_duration

WorkspaceOption = Annotated[
    Optional[Path],
    typer.Option(
        "--workspace",
        "-w",
        envvar="ADVISOR_HOME",
        help="Workspace directory (default ./.advisor; env ADVISOR_HOME).",
        show_default=False,
        metavar="DIR",
    ),
]

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of the report.")]


def _named(option: str, parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    """A typer parser that leaves already-parsed defaults alone and names ``option`` in errors."""

    def parser(value: Any) -> Any:
        return value if value is None or not isinstance(value, str) else parse(value)

    parser.__name__ = option.lstrip("-").replace("-", "_")
    return parser


def duration_option(option: str, help: str, *, allow_inf: bool = False, default_s: float | None = None) -> Any:
    """A duration option (``600``, ``10m``, ``1h30m``, ``250ms``; ``inf`` if allowed), in seconds.

    Use as ``Annotated[Optional[float], duration_option("--keep-alive", "...")]``.
    """
    forms = DURATION_EXAMPLES + (", inf" if allow_inf else "")

    def parse(text: str) -> float:
        return parse_duration(text, option=option, allow_inf=allow_inf)

    default = f" Default: {format_duration(default_s)}." if default_s is not None else ""
    return typer.Option(option, help=f"{help} Forms: {forms}.{default}", metavar="DURATION",
                        parser=_named(option, parse), show_default=False)


def keep_alive_help() -> str:
    """Help for a keep-alive option: what it is and the default's origin."""
    low, high = (format_duration(s) for s in aws_lambda.OBSERVED_KEEP_ALIVE_S)
    return (f"How long an idle instance is kept before it expires (Lambda's is undocumented, "
            f"{low}-{high} observed).")


def _since(text: str) -> datetime:
    return parse_since(text, option="--since")


def _until(text: str) -> datetime:
    return parse_since(text, option="--until")


SinceOption = Annotated[Optional[datetime], typer.Option(
    "--since", help="Records that ended from this time on: 7d, 24h, 90m back from now, or ISO 8601.",
    metavar="TIME", parser=_named("--since", _since), show_default=False)]
UntilOption = Annotated[Optional[datetime], typer.Option(
    "--until", help="Records that ended before this time (same forms as --since).",
    metavar="TIME", parser=_named("--until", _until), show_default=False)]


def _number(text: str, option: str, bound: Bound) -> float:
    """``text`` as a number within ``bound``; a one-line UsageError naming ``option`` otherwise."""
    try:
        value = float(text.strip().replace("_", ""))
    except ValueError:
        kind = "a whole number" if bound.integer else "a number"
        raise UsageError(f"{option} {text!r} is not {kind}.", hint=bound.hint()) from None
    return bound.check(value, option=option)


def number_option(option: str, bound: Bound, help: str, *, metavar: str = "N", optional: bool = False) -> Any:
    """A numeric option checked against ``bound`` (its range is shown in the help).

    Use as ``Annotated[int, number_option("--provisioned", INSTANCES, "...")]``.
    """
    return typer.Option(option, help=f"{help} ({bound.help_text()}).", metavar=metavar,
                        parser=_named(option, lambda text: _number(text, option, bound)), show_default=not optional)


SeedOption = Annotated[int, number_option("--seed", limits.SEED, "Seed of every random draw, for reproducible results")]


def memory_option(help: str, *, optional: bool = True) -> Any:
    """A Lambda memory size option (``Annotated[Optional[int], memory_option("...")]``), checked
    against Lambda's bounds."""
    return number_option("--memory", aws_lambda.MEMORY, help, metavar="MB", optional=optional)


#: The keep-warm options of ``advisor replay``, also ``advisor breakeven``'s for its Lambda row.
ProvisionedScheduleOption = Annotated[Optional[str], typer.Option(
    "--provisioned-schedule", help="Provisioned instances by UTC time of day, e.g. 08:00-20:00=5,else=0.",
    metavar="WINDOWS", show_default=False)]
PingEveryOption = Annotated[Optional[float], duration_option(
    "--ping-every", "Send warm-up pings this often (they keep instances warm and are billed).")]
PingConcurrencyOption = Annotated[int, number_option(
    "--ping-concurrency", limits.INSTANCES, "Warm-up pings sent at once, each keeping its own instance warm")]

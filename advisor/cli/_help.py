"""Help that reads like prose: what to type for each parameter, never a Python type name.

typer (0.26 and later) prints each parameter's Python type in the help (``<int>``, ``<bool>``,
``<list[Path]>``). advisor's options name what to type instead (a metavar such as ``MB`` or
``DURATION``); flags show nothing, and a parameter without a metavar gets a word for its type.
"""

from __future__ import annotations

from typing import Any

from typer import core

#: Words for the types a parameter without a metavar may have.
TYPE_WORDS = {"int": "N", "float": "NUMBER", "str": "TEXT", "Path": "PATH", "datetime": "TIME"}


def _display(self: Any, ctx: Any) -> str | None:
    if getattr(self, "is_flag", False) or getattr(self, "count", False):
        return None
    if isinstance(self, core.TyperArgument):
        return None  # the name column already shows the argument's metavar
    if self.metavar is not None:
        return str(self.metavar)
    label = self.bare_type()
    many = label.startswith("list[")
    word = TYPE_WORDS.get(label.removeprefix("list[").removesuffix("]"), "VALUE")
    return f"{word}..." if many else word


def install() -> None:
    """Make every typer parameter's help show what to type (idempotent)."""
    core.TyperArgument.display_type_rich = _display  # type: ignore[method-assign]
    core.TyperOption.display_type_rich = _display  # type: ignore[method-assign]

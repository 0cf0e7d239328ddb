"""Help that reads like prose: what to type for each parameter, never a Python type name.

typer 0.28 prints a parameter's type name where it has no metavar (``<str>``, ``<path>``), from
its click type. advisor's options name what to type instead (a metavar such as ``MB`` or
``DURATION``); an option without one gets a word for its type, flags show nothing, and an
argument shows no type: the name column already says what to type. (typer is pinned below 0.29
in pyproject.toml, which says why.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from typer import core
from typer._click import types

#: Words for click's type names, for an option without a metavar (flags, "boolean", show none).
TYPE_WORDS = {"int": "N", "float": "NUMBER", "str": "TEXT", "path": "PATH", "datetime": "TIME"}
_MARK = "_advisor_prose_help"


def _prose(get_metavar: Callable[..., str | None]) -> Callable[..., str | None]:
    def metavar(self: Any, param: Any, ctx: Any) -> str | None:
        if isinstance(param, core.TyperArgument):
            return ""  # shown as nothing: typer writes "<type>" only for None
        named = get_metavar(self, param, ctx)
        return named if named is not None or self.name not in TYPE_WORDS else TYPE_WORDS[self.name]

    setattr(metavar, _MARK, True)
    return metavar


def install() -> None:
    """Make every typer parameter's help show what to type (idempotent)."""
    if not getattr(types.ParamType.get_metavar, _MARK, False):
        types.ParamType.get_metavar = _prose(types.ParamType.get_metavar)  # type: ignore[method-assign]

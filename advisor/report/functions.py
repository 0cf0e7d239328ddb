"""Render ``advisor functions``: one row per function of the workspace."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from advisor.workspace import FunctionListing


def render_functions(path: Path, listing: list[FunctionListing]) -> RenderableType:
    """A table of the functions, or how to import some when there are none."""
    if not listing:
        return Text(f"workspace {path} holds no function yet: import logs with `advisor import logs PATH...`, "
                    "`advisor import cloudwatch FUNCTION` or `advisor import trace PATH`.")
    noun = "function" if len(listing) == 1 else "functions"
    table = Table(title=f"{len(listing):,} {noun} in {path}", title_justify="left")
    table.add_column("function", no_wrap=True)
    table.add_column("invocations", justify="right", no_wrap=True)
    table.add_column("ended (UTC)", no_wrap=True)
    table.add_column("memory MB", justify="right")
    table.add_column("arch, region")
    for row in listing:
        info = row.info
        sizes = ", ".join(f"{size:,}" for size in row.memory_sizes) or "n/a"
        table.add_row(info.name, f"{info.invocations:,}", _span(row), sizes,
                      f"{info.architecture or 'n/a'}, {info.region or 'n/a'}")
    return Group(table)


def _span(row: FunctionListing) -> str:
    if row.first_end is None or row.last_end is None:
        return "n/a: no invocations"
    first = row.first_end.strftime("%Y-%m-%d %H:%M")
    last_format = "%H:%M" if row.first_end.date() == row.last_end.date() else "%Y-%m-%d %H:%M"
    return f"{first} → {row.last_end.strftime(last_format)}"

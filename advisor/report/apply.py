"""Render ``advisor apply``: the changes as a table (setting, now, after), what was done, the notes.

It renders the JSON object the command prints with ``--json``, so the screen and the JSON agree.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text


def render_plan(document: dict[str, Any]) -> RenderableType:
    """The confirmation table of ``document["plan"]`` and its notes."""
    plan = document["plan"]
    where = f" (alias {plan['alias']})" if plan["alias"] else " ($LATEST only: no --alias)"
    parts: list[RenderableType] = []
    if not plan["changes"]:
        parts.append(Text(f"{plan['function']}{where} already has this configuration: nothing to change."))
    else:
        table = Table(title=f"advisor apply {plan['function']}{where}", box=box.SIMPLE_HEAD, title_justify="left")
        table.add_column("setting", no_wrap=True)
        # Folded, never cut short with an ellipsis: an image URI is confirmed in full.
        table.add_column("now", overflow="fold")
        table.add_column("after", overflow="fold")
        for change in plan["changes"]:
            table.add_row(change["setting"], change["before"], change["after"])
        parts.append(table)
    parts.extend(Text(f"note: {note}") for note in plan["notes"])
    return Group(*parts)


def render_result(document: dict[str, Any]) -> RenderableType:
    """What was done, and how to undo it."""
    lines = [Text(f"- {line}") for line in document["actions"]]
    if document["applied"] and document["journal"]:
        lines.append(Text(f"applied. The original is recorded in {document['journal']}: "
                          f"`advisor restore {document['function']}` puts it back, "
                          f"`advisor restore {document['function']} --keep` forgets it."))
    return Group(*lines)

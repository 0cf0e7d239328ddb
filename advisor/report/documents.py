"""The reports people read: ``--markdown FILE`` and ``--html FILE`` of ``advisor breakeven`` and ``advisor recommend``.

Both are rendered from the command's own JSON document (what ``--json`` prints), so they show
the same numbers; :mod:`advisor.report.breakeven_doc` and :mod:`advisor.report.recommend_doc`
turn a document into a report, :mod:`advisor.report.markdown` and :mod:`advisor.report.html`
write it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from advisor.errors import UsageError
from advisor.report.document import Document

KINDS = ("breakeven", "recommend")


def build(kind: str, doc: Mapping[str, Any]) -> Document:
    """The report of ``kind`` (``breakeven`` or ``recommend``) from the command's JSON ``doc``."""
    from advisor.report.breakeven_doc import breakeven_document
    from advisor.report.recommend_doc import recommend_document

    builders: dict[str, Callable[[Mapping[str, Any]], Document]] = {
        "breakeven": breakeven_document, "recommend": recommend_document}
    if kind not in builders:
        raise ValueError(f"no report of kind {kind!r}; one of {', '.join(KINDS)}")
    return builders[kind](doc)


def render_markdown(kind: str, doc: Mapping[str, Any]) -> str:
    """The Markdown report of ``kind`` from the command's JSON ``doc``."""
    from advisor.report.markdown import to_markdown

    return to_markdown(build(kind, doc))


def render_html(kind: str, doc: Mapping[str, Any]) -> str:
    """The self-contained HTML report of ``kind`` from the command's JSON ``doc``."""
    from advisor.report.html import to_html

    return to_html(build(kind, doc))


def write_reports(kind: str, doc: Mapping[str, Any], *, markdown: Path | None = None, html: Path | None = None) -> None:
    """Write the Markdown and/or HTML report of ``kind`` (each only when its path is given).

    Raises:
        UsageError: a path that cannot be written, naming it and its option.
    """
    for option, path, render in (("--markdown", markdown, render_markdown), ("--html", html, render_html)):
        if path is None:
            continue
        text = render(kind, doc)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{option} {path}: cannot write it ({exc.strerror or exc}).",
                             hint="Give a file in a directory that exists and that you may write to.") from exc

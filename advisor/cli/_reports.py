"""The report-file options of ``advisor breakeven`` and ``advisor recommend``: ``--markdown FILE``, ``--html FILE``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

MarkdownOption = Annotated[Optional[Path], typer.Option(
    "--markdown", help="Also write the report as Markdown to FILE (the same figures as --json).", metavar="FILE",
    show_default=False, dir_okay=False)]
HtmlOption = Annotated[Optional[Path], typer.Option(
    "--html", help="Also write the report as one self-contained HTML file with interactive charts.", metavar="FILE",
    show_default=False, dir_okay=False)]


def write_report_files(kind: str, document: dict[str, Any], markdown: Path | None, html: Path | None) -> None:
    """Write the files asked for, and say on stderr where (stdout stays the report or the JSON)."""
    if markdown is None and html is None:
        return
    from advisor.cli._console import error_console
    from advisor.report.documents import write_reports

    write_reports(kind, document, markdown=markdown, html=html)
    for path in (p for p in (markdown, html) if p is not None):
        error_console().print(f"wrote {path}", markup=False, highlight=False)

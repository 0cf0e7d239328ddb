"""Write a report (:class:`~advisor.report.document.Document`) as Markdown (CommonMark with GFM tables).

Tables carry every figure; charts are drawn only in the HTML report, so here each one is a line
that says what it shows and where to see it.
"""

from __future__ import annotations

from advisor.report.document import Block, Bullets, Chart, Document, Paragraph, Table

#: Characters that would end a table cell or open emphasis.
_ESCAPED = str.maketrans({"|": r"\|", "*": r"\*", "\\": "\\\\"})


def to_markdown(document: Document) -> str:
    """The whole report as Markdown text, ending with one newline."""
    parts = [f"# {_text(document.title)}", _text(document.lead)]
    for section in document.sections:
        parts.append(f"## {_text(section.title)}")
        parts += [_block(block) for block in section.blocks]
    return "\n\n".join(parts) + "\n"


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return _text(block.text)
    if isinstance(block, Bullets):
        return "\n".join(f"- `{item}`" if block.code else f"- {_text(item)}" for item in block.items)
    if isinstance(block, Table):
        return _table(block)
    assert isinstance(block, Chart)
    return f"Chart (interactive in the HTML report, `--html`): {_text(block.description)}"


def _table(table: Table) -> str:
    lines = ["| " + " | ".join(_text(c) for c in table.columns) + " |",
             "|" + "|".join("---" for _ in table.columns) + "|"]
    lines += ["| " + " | ".join(_text(cell.text) for cell in row) + " |" for row in table.rows]
    if table.caption:
        lines += ["", _text(table.caption)]
    return "\n".join(lines)


def _text(text: str) -> str:
    return text.translate(_ESCAPED)

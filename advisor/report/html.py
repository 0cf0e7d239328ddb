"""Write a report (:class:`~advisor.report.document.Document`) as one self-contained HTML file.

Opening it needs no network: plotly.js (from the plotly package, which ships it) is inlined once
in the page, the style sheet is inline and uses the system's fonts, and nothing is fetched.
Charts are plotly figures (:mod:`advisor.report.figures`), validated by plotly's Python
classes here. Each table cell that shows a figure of the command's JSON carries ``data-*``
attributes naming it, so a test (or a reader's script) can match the page to the JSON.
The page prints: navigation is hidden on paper and tables and charts are not split.
"""

from __future__ import annotations

from html import escape

from advisor.report.document import Block, Bullets, Cell, Chart, Document, Paragraph, Table

GENERATOR = "advisor"
#: plotly.js options: no logo link, resize with the window.
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}

STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #111; background: #fff; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.3rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #999; padding-bottom: 0.2rem; }
nav ol { columns: 2; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.88rem; }
th, td { border: 1px solid #bbb; padding: 0.2rem 0.5rem; text-align: right; vertical-align: top; }
th { background: #eee; }
td:first-child, th:first-child { text-align: left; }
td.words { text-align: left; }
.caption { font-size: 0.85rem; color: #333; margin-top: 0.2rem; }
figure { margin: 1rem 0; }
figcaption { font-size: 0.85rem; color: #333; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.85rem; }
.wide { overflow-x: auto; }
@media print {
  nav { display: none; }
  body { margin: 0; max-width: none; }
  table, figure { break-inside: avoid; }
  .wide { overflow: visible; }
}
"""


def to_html(document: Document) -> str:
    """The whole report as one HTML page."""
    from plotly.offline import get_plotlyjs

    toc = "".join(f'<li><a href="#s{i}">{escape(s.title)}</a></li>' for i, s in enumerate(document.sections, 1))
    body = [f"<h1>{escape(document.title)}</h1>", f'<p class="lead">{escape(document.lead)}</p>',
            f'<nav aria-label="contents"><ol>{toc}</ol></nav>']
    for number, section in enumerate(document.sections, 1):
        body.append(f'<section id="s{number}"><h2>{escape(section.title)}</h2>')
        body += [_block(block) for block in section.blocks]
        body.append("</section>")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="{GENERATOR}">', f"<title>{escape(document.title)}</title>",
        f"<style>{STYLE}</style>", f"<script>{get_plotlyjs()}</script>", "</head>", "<body>", *body,
        "</body>", "</html>", ""])


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{escape(block.text)}</p>"
    if isinstance(block, Bullets):
        items = (f"<code>{escape(i)}</code>" if block.code else escape(i) for i in block.items)
        return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
    if isinstance(block, Table):
        return _table(block)
    assert isinstance(block, Chart)
    return _chart(block)


def _table(table: Table) -> str:
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in table.columns)
    rows = "".join("<tr>" + "".join(_cell(cell) for cell in row) + "</tr>" for row in table.rows)
    caption = f'<p class="caption">{escape(table.caption)}</p>' if table.caption else ""
    return (f'<div class="wide"><table data-table="{escape(table.key)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>{caption}")


def _cell(cell: Cell) -> str:
    if not cell.source:
        return f'<td class="words">{escape(cell.text)}</td>'
    attributes = "".join(f' data-{escape(name)}="{escape(value)}"' for name, value in cell.source.items())
    return f"<td{attributes}>{escape(cell.text)}</td>"


def _chart(chart: Chart) -> str:
    import plotly.graph_objects as go
    import plotly.io as pio

    figure = go.Figure(chart.figure)  # validates every property against plotly's schema
    div = pio.to_html(figure, include_plotlyjs=False, full_html=False, div_id=chart.key, config=PLOTLY_CONFIG)
    return f'<figure class="chart">{div}<figcaption>{escape(chart.description)}</figcaption></figure>'

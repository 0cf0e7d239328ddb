"""The report files of ``--markdown`` and ``--html``: the Markdown golden, the same blocks in both formats,
self-contained HTML, one-line errors for a file that cannot be written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from advisor.report.document import Cell, Document, Section, Table, usd
from advisor.report.documents import build, render_html, render_markdown, write_reports
from advisor.report.html import to_html
from advisor.report.markdown import to_markdown

REPO = Path(__file__).resolve().parents[2]
BASE = ("breakeven", "--trace", str(REPO / "traces" / "azure2021-200.csv"), "--all-functions", "--memory", "1024",
        "--sla", "p99=10m")
#: A real function of the Azure 2019 trace (one day, 256 MB): advisor recommend's own golden case.
RECOMMEND_TRACE = REPO / "traces" / "azure2019-543bec406831_inv.csv"
RECOMMEND_FUNCTION = "543bec406831"
BREAKEVEN = (*BASE, "--gpu-ms", "1:40,8:95,32:260", "--volumes", "0.1,1,10,100")


def test_breakeven_markdown_report(cli, golden, tmp_path: Path) -> None:
    path = tmp_path / "breakeven.md"
    out = cli(*BREAKEVEN, "--markdown", path)
    assert out.exit_code == 0, out.stderr
    assert "crossovers" in out.stdout  # the terminal report is still printed
    assert out.stderr == f"wrote {path}\n"
    golden("breakeven.md", path.read_text())


def test_the_files_hold_the_figures_of_the_json_printed_beside_them(cli, tmp_path: Path) -> None:
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    out = cli(*BREAKEVEN, "--json", "--markdown", md, "--html", html)
    assert out.exit_code == 0, out.stderr
    document = json.loads(out.stdout)
    assert md.read_text() == render_markdown("breakeven", document)
    assert html.read_text() == render_html("breakeven", document)
    low, high = (next(p for p in v["platforms"] if p["platform"] == "g4dn.xlarge") for v in document["volumes"][:2])
    assert document["volumes"][1]["cheapest"] == "g4dn.xlarge"
    assert f"| g4dn.xlarge | {usd(low['monthly_usd'])} ✓ | {usd(high['monthly_usd'])} ✓ \\* |" in md.read_text()


def test_html_is_one_self_contained_page(cli, tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    assert cli(*BREAKEVEN, "--volumes", "1", "--html", html).exit_code == 0
    page = html.read_text()
    assert not re.search(r"<(?:script|link|img|iframe)[^>]+(?:src|href)=", page), "an external resource"
    assert "@import" not in page and "fonts.googleapis" not in page
    assert page.count("<script>") == 3  # plotly.js once, then one per chart
    assert "Plotly.newPlot" in page


def test_both_formats_render_the_same_cells() -> None:
    table = Table("t", ("platform", "cost"), ((Cell("a|b"), Cell("$1.00 ✓ *", {"field": "monthly_usd"})),),
                  "a caption")
    document = Document("Title <x>", "lead & more", (Section("One", (table,)),))
    markdown = to_markdown(document)
    assert "| a\\|b | $1.00 ✓ \\* |" in markdown and "a caption" in markdown
    page = to_html(document)
    assert '<td class="words">a|b</td><td data-field="monthly_usd">$1.00 ✓ *</td>' in page
    assert "<title>Title &lt;x&gt;</title>" in page and "lead &amp; more" in page


def test_unknown_figures_are_na_never_zero(cli, tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    assert cli(*BASE, "--volumes", "1", "--markdown", path).exit_code == 0  # no --gpu-ms: GPU platforms unknown
    markdown = path.read_text()
    assert "| modal T4 | n/a | - | n/a | n/a | n/a | n/a | n/a | n/a |" in markdown
    assert "- modal T4: n/a: give --gpu-ms" in markdown


def test_a_report_file_that_cannot_be_written_is_a_one_line_error(cli, tmp_path: Path) -> None:
    out = cli(*BREAKEVEN, "--volumes", "1", "--html", tmp_path / "missing" / "r.html")
    assert out.exit_code == 2
    assert "--html" in out.stderr and "missing/r.html: cannot write it" in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="no report of kind 'tune'"):
        build("tune", {})
    with pytest.raises(ValueError, match="no report of kind"):
        write_reports("tune", {}, markdown=Path("never-written.md"))


def test_recommend_markdown_report(cli, golden, tmp_path: Path) -> None:
    path = tmp_path / "recommend.md"
    assert cli("import", "trace", RECOMMEND_TRACE).exit_code == 0
    out = cli("recommend", RECOMMEND_FUNCTION, "--sla", "p95=40s", "--json", "--markdown", path)
    assert out.exit_code == 0, out.stderr
    assert path.read_text() == render_markdown("recommend", json.loads(out.stdout))
    golden("recommend.md", path.read_text())

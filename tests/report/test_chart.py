"""The terminal chart: where the marks land (higher values higher, the SLA's row, the pick's
column), its labels in our units, and lines that no terminal width re-wraps."""

from __future__ import annotations

import io
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console, RenderableType

from advisor.report.chart import BAND, CURVE, LIMIT, MEASURED, PICK, Axis, Series, chart, legend, plot, renderable

WIDTH, HEIGHT = 60, 10
#: A straight model from 0 at 128 MB to 100 at 3008 MB, one point per column.
CURVE_POINTS = [(128 * (3008 / 128) ** (i / (WIDTH - 1)), 100 * i / (WIDTH - 1)) for i in range(WIDTH)]


def _plot_rows(text: str) -> list[str]:
    """The plot's rows, inside the frame: the title, the frame's top and bottom and the x labels left out."""
    return [line.split("│")[1] for line in text.splitlines()[2:2 + HEIGHT]]


def _cells(rows: list[str], mark: str) -> list[tuple[int, int]]:
    return [(r, c) for r, row in enumerate(rows) for c, cell in enumerate(row) if cell == mark]


def test_the_pick_is_a_column_of_marks_through_the_measured_point_at_its_memory() -> None:
    rows = _plot_rows(chart("t", [], [(128, 0.0), (1024, 50.0), (3008, 100.0)], fmt=str, pick=1024))
    (_, column), = [(r, c) for r, c in _cells(rows, MEASURED) if 0 < c < WIDTH - 1]
    assert all(row[column] in (PICK, MEASURED) for row in rows)
    assert sum(row.count(PICK) for row in rows) == HEIGHT - 1


def test_the_sla_is_a_row_of_marks_under_the_curve() -> None:
    rows = _plot_rows(chart("t", CURVE_POINTS, [], fmt=str, limit=50.0))
    (line,) = [row for row in rows if LIMIT in row]
    assert set(line) <= {LIMIT, CURVE} and line.count(LIMIT) > WIDTH // 2


@given(st.floats(1, 99), st.floats(1, 99))
def test_a_point_above_the_sla_is_never_drawn_below_its_line(limit: float, value: float) -> None:
    rows = _plot_rows(chart("t", [(128, 0.0), (3008, 100.0)], [(500, value)], fmt=str, limit=limit))
    limit_row = next(r for r, row in enumerate(rows) if LIMIT in row)
    ((point_row, _),) = _cells(rows, MEASURED)
    if value > limit:
        assert point_row <= limit_row
    elif value < limit:
        assert point_row >= limit_row


@given(st.lists(st.floats(0, 1000), min_size=2, max_size=WIDTH, unique=True))
def test_a_larger_value_is_drawn_no_lower(values: list[float]) -> None:
    points = [(128 * 2 ** i, v) for i, v in enumerate(values)]
    rows = _plot_rows(chart("t", [], points, fmt=str, width=WIDTH))
    row_of = {c: r for r, c in _cells(rows, MEASURED)}
    drawn = [row_of[c] for c in sorted(row_of)]
    assert len(drawn) == len(values), "one column per memory size"
    pairs = list(zip(values, drawn, strict=True))
    for (a, row_a), (b, row_b) in pairwise(pairs):
        assert (row_a <= row_b) if a > b else (row_a >= row_b)


def test_the_band_fills_between_its_ends_under_the_curve() -> None:
    band = [(x, y - 20, y + 20) for x, y in CURVE_POINTS]
    rows = _plot_rows(chart("t", CURVE_POINTS, [], fmt=str, band=band))
    for column in range(WIDTH):
        marks = "".join(row[column] for row in rows).strip()
        assert marks and set(marks) <= {BAND, CURVE} and CURVE in marks, f"column {column}: {marks!r}"


def test_the_axes_are_labelled_in_our_units_at_their_ends() -> None:
    text = chart("title", CURVE_POINTS, [], fmt=lambda v: f"${v:.1f}")
    lines = text.splitlines()
    assert lines[0] == "title"
    assert lines[2].lstrip().startswith("$100.0 │") and lines[1 + HEIGHT].lstrip().startswith("$0.0 │")
    assert lines[-1].split() == ["128", "MB", "3008", "MB", "(log", "scale)"]


def test_a_log_y_axis_is_labelled_with_the_values_not_their_logarithms() -> None:
    lines = plot([Series("a", [1e3, 1e6], [10.0, 1e5])], Axis(1e3, 1e6, log=True, fmt=lambda v: f"{v:,.0f}"),
                 Axis(10.0, 1e5, log=True, fmt=lambda v: f"{v:,.0f}"), width=40, height=5, x_note=" requests")
    assert [line.split("│")[0].strip() for line in lines[1:6]] == ["100,000", "", "1,000", "", "10"]
    assert lines[-1].split() == ["1,000", "1,000,000", "requests"]


def test_a_single_value_gets_an_axis_around_it_labelled_truly() -> None:
    lines = plot([Series("a", [436e3], [387.0])], Axis.over([436e3], log=True, fmt=lambda v: f"{v:,.0f}"),
                 Axis.over([387.0], log=True, fmt=lambda v: f"{v:,.0f}"), width=41, height=5)
    assert [line.split("│")[0].strip() for line in lines[1:6]] == ["774", "", "387", "", "194"]
    assert lines[3].split("│")[1] == " " * 20 + "a" + " " * 20
    assert lines[-1].split() == ["218,000", "872,000"]


def test_a_later_series_is_drawn_over_an_earlier_one_each_with_its_own_mark() -> None:
    lines = plot([Series("a", [1, 2, 3], [1, 2, 3]), Series("b", [2], [2])], Axis(1, 3, log=False, fmt=str),
                 Axis(1, 3, log=False, fmt=str), width=3, height=3)
    assert [line.split("│")[1] for line in lines[1:4]] == ["  a", " b ", "a  "]


def _printed(renderable: RenderableType, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text().splitlines()


def test_the_chart_has_no_colour_and_no_terminal_width_rewraps_its_plot() -> None:
    title = "a title longer than a narrow terminal, which wraps there like prose"
    text = chart(title, CURVE_POINTS, [(1024, 50.0)], fmt=str, limit=50.0, pick=1024)
    plot_lines = text.splitlines()[1:]
    assert "\x1b" not in text
    for width in (80, 100, 140):
        assert _printed(renderable(text), width) == text.splitlines()
    narrow = _printed(renderable(text), 40)
    assert " ".join(narrow[:-len(plot_lines)]).split() == title.split() and len(narrow) > len(text.splitlines()), (
        "the title wraps")
    assert narrow[-len(plot_lines):] == [line[:40] for line in plot_lines], (
        "each plot line is cropped, none re-wrapped")


def test_a_sentence_in_place_of_a_chart_wraps_like_prose() -> None:
    sentence = "charts: n/a (no model could be fitted)"
    lines = _printed(renderable(sentence), 20)
    assert " ".join(lines).split() == sentence.split() and len(lines) == 3


def test_a_legend_packs_whole_entries_into_the_chart_width() -> None:
    entries = [f"{letter} platform {letter * 8}" for letter in "abcdefg"]
    lines = legend(entries, 40)
    assert "  ".join(lines) == "  ".join(entries)
    assert all(len(line) <= 40 + 13 for line in lines) and len(lines) > 1

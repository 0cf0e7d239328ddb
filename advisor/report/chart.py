"""Character charts for the terminal, drawn by uniplot: series of marks on log or linear axes.

Plain text (no colour, one character per series) so a chart reads the same in any terminal and
compares exactly in golden files. uniplot scales the axes (log10 where asked), places each point
in its cell and lays the series over each other (a later series on top), inside a frame; the axis
labels are ours, in our units (``1024 MB``, ``$1.3k``, ``436k``), because uniplot labels a log
axis with its exponents (``10^2.5``) and has no formatter. Lines (an SLA, a pick, a crossover)
are drawn as series too, not as uniplot's gridlines, which are placed by another rounding than
the points: a p95 above the SLA could be drawn below the SLA's line (docs/breakeven.md, "The
chart", says what was tried).

:func:`chart` draws a curve against memory with measured points, a band (a model's interval),
an SLA line and the pick; :func:`plot` draws any series (``advisor/report/breakeven.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

CURVE = "·"
MEASURED = "●"
BAND = ":"
LIMIT = "-"
PICK = "|"
#: Width of the y-axis label column.
LABEL_WIDTH = 10


@dataclass(frozen=True)
class Series:
    """Points drawn with one character; a later series is drawn over an earlier one."""

    mark: str
    xs: Sequence[float]
    ys: Sequence[float]


@dataclass(frozen=True)
class Axis:
    """The range an axis shows, its scale and how its labels are written."""

    low: float
    high: float
    log: bool
    fmt: Callable[[float], str]

    @classmethod
    def over(cls, values: Sequence[float], *, log: bool, fmt: Callable[[float], str]) -> Axis:
        """The axis from the smallest to the largest of ``values``, around a single value a range
        (a factor of 2 each way on a log axis, a tenth of it on a linear one)."""
        low, high = min(values), max(values)
        if low == high:
            pad = abs(low) / 10 or 1.0
            low, high = (low / 2, high * 2) if log else (low - pad, high + pad)
        return cls(low, high, log, fmt)

    def spread(self, count: int) -> list[float]:
        """``count`` values from ``low`` to ``high``, one per row or column of the plot."""
        if self.log:
            return np.geomspace(self.low, self.high, count).tolist()
        return np.linspace(self.low, self.high, count).tolist()


def chart(
    title: str,
    curve: Sequence[tuple[float, float]],
    points: Sequence[tuple[float, float]],
    *,
    fmt: Callable[[float], str],
    width: int = 60,
    height: int = 10,
    band: Sequence[tuple[float, float, float]] = (),
    limit: float | None = None,
    pick: float | None = None,
    x_fmt: Callable[[float], str] | None = None,
) -> str:
    """Render ``curve`` (dots) and ``points`` (filled circles) against memory on a log x axis.

    Args:
        title: First line.
        curve: ``(memory_mb, value)`` pairs of the model, drawn densely.
        points: ``(memory_mb, value)`` measured pairs, drawn over the curve.
        fmt: Formats a y value for the axis labels.
        width: Plot columns.
        height: Plot rows.
        band: ``(memory_mb, low, high)`` triples, shaded between low and high.
        limit: A y value drawn as a horizontal line (an SLA).
        pick: A memory size marked by a vertical line (a recommendation).
        x_fmt: Formats an x value for the axis ends (default: memory, ``1024 MB``); the x axis
            is on a log scale whatever it holds.
    """
    xs = [x for x, _ in (*curve, *points)] + [x for x, _, _ in band] + ([pick] if pick is not None else [])
    ys = [y for _, y in (*curve, *points)] + [v for _, lo, hi in band for v in (lo, hi)]
    ys += [limit] if limit is not None else []
    x_axis = Axis.over(xs, log=True, fmt=x_fmt or _megabytes)
    y_axis = Axis.over(ys, log=False, fmt=fmt)
    series = [Series(BAND, *_columns([(x, lo, hi) for x, lo, hi in band], y_axis, height))]
    if limit is not None:
        series.append(Series(LIMIT, x_axis.spread(width), [limit] * width))
    if pick is not None:
        series.append(Series(PICK, *_columns([(pick, y_axis.low, y_axis.high)], y_axis, height)))
    series += [Series(CURVE, [x for x, _ in curve], [y for _, y in curve]),
               Series(MEASURED, [x for x, _ in points], [y for _, y in points])]
    return "\n".join([title, *plot(series, x_axis, y_axis, width=width, height=height, x_note=" (log scale)")])


def plot(series: Sequence[Series], x_axis: Axis, y_axis: Axis, *, width: int, height: int,
         x_note: str = "") -> list[str]:
    """The framed plot with its axis labels: the top, middle and bottom rows' values on the left,
    the x axis's ends below.

    Args:
        series: Drawn in order, a later one over an earlier one; an empty one draws nothing.
        x_axis: The x range (every point inside it), scale and label format.
        y_axis: The same for y.
        width: Plot columns.
        height: Plot rows.
        x_note: Follows the right end's label (a unit, the scale).
    """
    from uniplot import plot_to_string  # not at start-up: it imports numba (0.5 s where no replay has)

    drawn = [s for s in series if len(s.xs)]
    text = plot_to_string(
        [list(s.ys) for s in drawn], [list(s.xs) for s in drawn], width=width, height=height,
        x_min=x_axis.low, x_max=x_axis.high, y_min=y_axis.low, y_max=y_axis.high,
        x_as_log=x_axis.log, y_as_log=y_axis.log, x_gridlines=[], y_gridlines=[], x_labels=False, y_labels=False,
        character_set="ascii", force_ascii_characters=[s.mark for s in drawn], color=False)
    top, *rows, bottom = text.splitlines()
    values = y_axis.spread(height)[::-1]
    labelled = {0, height // 2, height - 1}
    lines = [" " * LABEL_WIDTH + " " + top]
    lines += [f"{y_axis.fmt(values[n]) if n in labelled else '':>{LABEL_WIDTH}} {row}" for n, row in enumerate(rows)]
    lines.append(" " * LABEL_WIDTH + " " + bottom)
    left, right = x_axis.fmt(x_axis.low), x_axis.fmt(x_axis.high) + x_note
    lines.append(" " * (LABEL_WIDTH + 2) + left + right.rjust(width - len(left)))
    return lines


def legend(entries: Sequence[str], width: int) -> list[str]:
    """``entries`` packed into lines no wider than a plot of ``width`` columns with its labels,
    two spaces apart, none split across lines."""
    room = LABEL_WIDTH + width + 3
    lines = [""]
    for entry in entries:
        if lines[-1] and len(lines[-1]) + 2 + len(entry) > room:
            lines.append("")
        lines[-1] += ("  " if lines[-1] else "") + entry
    return lines


def renderable(chart_text: str) -> RenderableType:
    """A chart for rich: its title (the first line) wraps like prose, the plot's lines are never
    re-wrapped (a terminal narrower than the chart crops them instead)."""
    title, _, lines = chart_text.partition("\n")
    if not lines:  # a sentence saying why there is no chart
        return Text(title)
    return Group(Text(title), Text(lines, no_wrap=True, overflow="ignore"))


def _columns(spans: Sequence[tuple[float, float, float]], y_axis: Axis,
             height: int) -> tuple[list[float], list[float]]:
    """Points that fill each ``(x, low, high)`` span's cells: consecutive points less than a row
    apart, so that no row between ``low`` and ``high`` is skipped."""
    xs: list[float] = []
    ys: list[float] = []
    for x, low, high in spans:
        column = Axis(low, high, y_axis.log, y_axis.fmt).spread(height + 1)
        xs += [x] * len(column)
        ys += column
    return xs, ys


def _megabytes(value: float) -> str:
    return f"{value:.0f} MB"


def log_grid(low: float, high: float, count: int) -> list[float]:
    """``count`` memory sizes evenly spaced on a log scale from ``low`` to ``high``."""
    step = (math.log2(high) - math.log2(low)) / max(count - 1, 1)
    return [2 ** (math.log2(low) + i * step) for i in range(count)]

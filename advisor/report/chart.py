"""A small character chart of a curve against memory (log-scale x) with measured points.

Plain text (no colour) so it reads the same in any terminal and compares exactly in golden
files. Besides the curve and the points it can shade a band (a model's interval), draw a
horizontal limit (an SLA) and mark one memory size (a recommendation). Hand-drawn because
plotext, the maintained terminal plotting library, misplaces vertical lines and custom ticks on a
log axis (docs/breakeven.md, "The chart", says how).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

CURVE = "·"
MEASURED = "●"
BOTH = "◉"
BAND = ":"
LIMIT = "-"
PICK = "|"
#: Width of the y-axis label column.
LABEL_WIDTH = 10


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
    """Render ``curve`` (dots) and ``points`` (filled circles) as text.

    Args:
        title: First line.
        curve: ``(memory_mb, value)`` pairs of the model, drawn densely.
        points: ``(memory_mb, value)`` measured pairs.
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
    x_low, x_high = math.log2(min(xs)), math.log2(max(xs))
    y_low, y_high = min(ys), max(ys)
    y_span = (y_high - y_low) or 1.0
    x_span = (x_high - x_low) or 1.0
    grid = [[" "] * width for _ in range(height)]

    def col(x: float) -> int:
        return round((math.log2(x) - x_low) / x_span * (width - 1))

    def row(y: float) -> int:
        return height - 1 - round((y - y_low) / y_span * (height - 1))

    def place(x: float, y: float, mark: str) -> None:
        r, c = row(y), col(x)
        current = grid[r][c]
        grid[r][c] = BOTH if {current, mark} == {CURVE, MEASURED} else mark

    for x, low, high in band:
        for r in range(row(high), row(low) + 1):
            grid[r][col(x)] = BAND
    if limit is not None:
        grid[row(limit)] = [LIMIT if cell in (" ", BAND) else cell for cell in grid[row(limit)]]
    if pick is not None:
        for cells in grid:
            if cells[col(pick)] in (" ", BAND, LIMIT):
                cells[col(pick)] = PICK
    for x, y in curve:
        place(x, y, CURVE)
    for x, y in points:
        place(x, y, MEASURED)
    lines = [title]
    for number, cells in enumerate(grid):
        value = y_high - number / (height - 1) * y_span
        label = fmt(value) if number in (0, height // 2, height - 1) else ""
        lines.append(f"{label:>{LABEL_WIDTH}} |{''.join(cells)}")
    lines.append(" " * LABEL_WIDTH + " +" + "-" * width)
    x_text = x_fmt or _megabytes
    left, right = x_text(2**x_low), f"{x_text(2**x_high)} (log scale)"
    lines.append(" " * (LABEL_WIDTH + 2) + left + right.rjust(width - len(left)))
    return "\n".join(lines)


def _megabytes(value: float) -> str:
    return f"{value:.0f} MB"


def log_grid(low: float, high: float, count: int) -> list[float]:
    """``count`` memory sizes evenly spaced on a log scale from ``low`` to ``high``."""
    step = (math.log2(high) - math.log2(low)) / max(count - 1, 1)
    return [2 ** (math.log2(low) + i * step) for i in range(count)]

"""A small character chart of a curve against memory (log-scale x) with measured points.

Plain text (no colour, no box-drawing beyond ASCII-safe dots) so it reads the same in any
terminal and compares exactly in golden files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

CURVE = "·"
MEASURED = "●"
BOTH = "◉"
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
) -> str:
    """Render ``curve`` (dots) and ``points`` (filled circles) as text.

    Args:
        title: First line.
        curve: ``(memory_mb, value)`` pairs of the model, drawn densely.
        points: ``(memory_mb, value)`` measured pairs.
        fmt: Formats a y value for the axis labels.
        width: Plot columns.
        height: Plot rows.
    """
    xs = [x for x, _ in (*curve, *points)]
    ys = [y for _, y in (*curve, *points)]
    x_low, x_high = math.log2(min(xs)), math.log2(max(xs))
    y_low, y_high = min(ys), max(ys)
    y_span = (y_high - y_low) or 1.0
    x_span = (x_high - x_low) or 1.0
    grid = [[" "] * width for _ in range(height)]

    def place(x: float, y: float, mark: str) -> None:
        col = round((math.log2(x) - x_low) / x_span * (width - 1))
        row = height - 1 - round((y - y_low) / y_span * (height - 1))
        current = grid[row][col]
        grid[row][col] = BOTH if {current, mark} == {CURVE, MEASURED} else mark

    for x, y in curve:
        place(x, y, CURVE)
    for x, y in points:
        place(x, y, MEASURED)
    lines = [title]
    for row, cells in enumerate(grid):
        value = y_high - row / (height - 1) * y_span
        label = fmt(value) if row in (0, height // 2, height - 1) else ""
        lines.append(f"{label:>{LABEL_WIDTH}} |{''.join(cells)}")
    lines.append(" " * LABEL_WIDTH + " +" + "-" * width)
    left, right = f"{2 ** x_low:.0f} MB", f"{2 ** x_high:.0f} MB (log scale)"
    lines.append(" " * (LABEL_WIDTH + 2) + left + right.rjust(width - len(left)))
    return "\n".join(lines)


def log_grid(low: float, high: float, count: int) -> list[float]:
    """``count`` memory sizes evenly spaced on a log scale from ``low`` to ``high``."""
    step = (math.log2(high) - math.log2(low)) / max(count - 1, 1)
    return [2 ** (math.log2(low) + i * step) for i in range(count)]

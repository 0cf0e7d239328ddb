"""The Pareto frontier of monthly cost against p95 latency: the candidates no other one beats on both."""

from __future__ import annotations

import math
from collections.abc import Sequence


def frontier(points: Sequence[tuple[float, float | None]]) -> list[int]:
    """Indexes of the points on the cost/p95 frontier, by ascending cost.

    Args:
        points: ``(monthly cost, p95 ms)`` per candidate; a p95 of None (some request throttled,
            or none replayed) is off the frontier.

    Returns:
        Each index whose p95 is below that of every cheaper point (on equal cost, the lower
        p95 only), ascending in cost and so descending in p95.
    """
    order = sorted((i for i, (_, p95) in enumerate(points) if p95 is not None and math.isfinite(p95)),
                   key=lambda i: (points[i][0], points[i][1], i))
    kept: list[int] = []
    best = math.inf
    for i in order:
        p95 = points[i][1]
        assert p95 is not None
        if p95 < best:
            kept.append(i)
            best = p95
    return kept

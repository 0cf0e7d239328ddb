"""AWS Lambda Power Tuning's procedure, reimplemented for bench_tune.py.

Power Tuning invokes the function a fixed number of times at each size of a fixed list,
averages each size's durations after discarding the fastest and slowest 20% (its
``discardTopBottom`` default), and ranks sizes by cost. As the issue asks, this version then
picks the cheapest size whose *measured* p95 meets the SLA (Power Tuning itself knows no SLA);
when none does, the fastest size measured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from advisor.sla import Sla
from advisor.targets import Target

GRID = (128, 256, 512, 1024, 1536, 3008)
INVOCATIONS = 10
DISCARD = 0.2


@dataclass(frozen=True)
class PowerTuningResult:
    """The size chosen and the invocations it took."""

    memory_mb: int
    invocations: int


def power_tune(target: Target, *, sla: Sla, low: int, high: int,
               cost: Callable[[int, float], float], grid: Sequence[int] = GRID,
               invocations: int = INVOCATIONS) -> PowerTuningResult:
    """Run the procedure over the grid sizes within ``low..high``.

    Args:
        target: The function.
        sla: The SLA its measured percentiles must meet.
        low, high: The sizes the function may run at.
        cost: Cost of one invocation of a mean duration (ms) at a size (MB).
        grid: Power Tuning's list of sizes.
        invocations: Invocations per size.
    """
    sizes = [m for m in grid if low <= m <= high] or [low, high]
    rows = []
    for memory in sizes:
        target.configure(memory)
        durations = np.array([float(target.invoke({})["duration_ms"]) for _ in range(invocations)])
        mean = float(stats.trim_mean(durations, DISCARD))
        rows.append((memory, cost(memory, mean), sla.met_by(durations), mean))
    met = [r for r in rows if r[2]]
    chosen = min(met, key=lambda r: r[1]) if met else min(rows, key=lambda r: r[3])
    return PowerTuningResult(chosen[0], invocations * len(sizes))

"""The memory sizes a tuning measures first, before the model suggests any: the initial design.

One design, here, for everything that measures a few sizes and predicts the rest:
``advisor tune`` (:meth:`advisor.tune.space.MemorySpace.initial`, its dry-run plan),
``bench/bench_models.py`` (the duration model's accuracy is scored on a curve fitted at the
design of that curve's range) and ``bench/bench_tune.py``. :func:`initial_sizes` gives the
design of a range of sizes (or of a list of allowed sizes).

Three rules were compared (:data:`DESIGNS`), each giving three sizes:

- ``anchored`` (:func:`anchored`, the one used): 256, 1,769 and 3,008 MB, the sizes
  :class:`~advisor.models.DurationModel`'s averaged ``knee`` form (``io + cpu/min(vcpu, k)``)
  needs to pin the I/O floor, the CPU work and the knee. 1,769 MB is one full vCPU, where a
  single-threaded function stops speeding up; 3,008 MB (1.7 vCPU) tells one thread (no faster
  there) from several (faster) without paying for the largest sizes, and the local target
  reaches it on a 2-core machine; 256 MB is far enough below the knee to measure the CPU work
  against the I/O floor, but not 128 MB, where runtimes under memory pressure slow down more
  than the CPU share explains (cebert's Node.js functions 2.4-2.6x from 256 to 128 MB) and
  many ML handlers do not fit at all. An anchor outside the range is replaced by the range's
  :func:`quantiles` size farthest (in log memory) from the anchors kept: over 128..2,048 MB,
  256, 512 and 1,769 MB.
- ``clipped`` (:func:`clipped`): the anchors clipped into the range (over 128..2,048 MB: 256,
  1,769 and 2,048 MB).
- ``quantiles`` (:func:`quantiles`): the 1/6, 1/2 and 5/6 quantiles of the range in log
  memory, rounded to 64 MB (over 128..10,240 MB: 256, 1,152 and 4,928 MB); the tuner's first
  sizes until the two designs were reconciled.

The choice (:data:`DESIGN`) was made on the development cases of ``bench/bench_tune.py``
(64 cases), by the tuner's mean cost regret against the true optimum (the issue's goal and
what the design is for) with SLA violations at most 5%: ``anchored`` 7.5%, ``clipped`` 8.8%,
``quantiles`` 9.2% (p90 10.2%, 7.6%, 11.9%; violations 0%, 0%, 1.6%). ``clipped`` measures
1,769 and 2,048 MB, 0.2 octave apart, on the I/O-bound curves of 128..2,048 MB and learns
little from the second (mbwilding: 28.6% mean regret against 21.1%), but it predicts the
development curves better in ``bench/bench_models.py`` (mean error 6.8% against 8.3% for
``anchored`` and 12.2% for ``quantiles``). docs/tune.md and docs/models.md give the
held-out figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Final

from advisor.platform.aws_lambda import MB_PER_VCPU

#: The anchored design's sizes (MB) over Lambda's whole range (see the module docstring).
ANCHORS: Final[tuple[int, int, int]] = (256, round(MB_PER_VCPU), 3008)
#: The quantile design's quantiles of the range in log memory: one low, one in the middle, one high.
QUANTILES: Final = (1.0 / 6.0, 0.5, 5.0 / 6.0)
#: Sizes of the quantile design are rounded to this many MB (sizes people recognise).
ROUNDING_MB: Final = 64
#: Other three-size designs bench_models.py reports beside the chosen one (fixed sizes, each
#: snapped to a curve's nearest measured sizes).
OTHER_DESIGNS: Final[tuple[tuple[int, int, int], ...]] = (
    (256, 1024, 2048),
    (128, 1024, 3008),
    (512, round(MB_PER_VCPU), 3008),
    (128, 512, 2048),
)


def quantiles(low_mb: int, high_mb: int) -> list[float]:
    """The sizes at :data:`QUANTILES` of ``low_mb..high_mb`` in log memory, each rounded to
    :data:`ROUNDING_MB` where that stays in the range and distinct."""
    span = math.log(high_mb / low_mb)
    chosen: list[float] = []
    for q in QUANTILES:
        target = low_mb * math.exp(q * span)
        rounded = max(ROUNDING_MB, round(target / ROUNDING_MB) * ROUNDING_MB)
        chosen.append(float(rounded) if low_mb <= rounded <= high_mb and rounded not in chosen else target)
    return chosen


def anchored(low_mb: int, high_mb: int) -> list[float]:
    """:data:`ANCHORS` within ``low_mb..high_mb``; each anchor outside it replaced by the
    :func:`quantiles` size farthest (in log memory) from the sizes already chosen."""
    return _filled([float(a) for a in ANCHORS if low_mb <= a <= high_mb], low_mb, high_mb)


def clipped(low_mb: int, high_mb: int) -> list[float]:
    """:data:`ANCHORS` clipped into ``low_mb..high_mb``; one that falls on another is replaced
    as in :func:`anchored`."""
    return _filled(sorted({float(min(max(a, low_mb), high_mb)) for a in ANCHORS}), low_mb, high_mb)


def _filled(chosen: list[float], low_mb: int, high_mb: int) -> list[float]:
    """``chosen`` completed to three sizes, each time with the :func:`quantiles` size farthest
    (in log memory) from those chosen, ascending."""
    fill = quantiles(low_mb, high_mb)
    while len(chosen) < len(ANCHORS) and fill:
        far = max(fill, key=lambda m: min((abs(math.log(m / c)) for c in chosen), default=math.inf))
        fill.remove(far)
        chosen.append(far)
    return sorted(chosen)


#: The rules compared, by name.
DESIGNS: Final[dict[str, Callable[[int, int], list[float]]]] = {"anchored": anchored, "quantiles": quantiles,
                                                                "clipped": clipped}
#: The design every tuning and benchmark uses (chosen on bench_tune.py's development cases).
DESIGN = "anchored"


def initial_sizes(low_mb: int, high_mb: int, allowed: Sequence[int] | None = None, *,
                  design: str | None = None) -> tuple[int, ...]:
    """The design's sizes for ``low_mb..high_mb``: three distinct sizes, ascending, all allowed.

    Args:
        low_mb, high_mb: The range (every MB between is allowed unless ``allowed`` is given).
        allowed: The only sizes allowed (a ``--memory`` list), ascending; each design size is
            replaced by the nearest allowed one not chosen yet (in log memory).
        design: A rule of :data:`DESIGNS` (default :data:`DESIGN`).

    Raises:
        ValueError: ``low_mb`` is above ``high_mb``, or ``design`` is not a rule of :data:`DESIGNS`.
    """
    if low_mb > high_mb:
        raise ValueError(f"memory range {low_mb}-{high_mb} MB is empty")
    rule = DESIGNS.get(design or DESIGN)
    if rule is None:
        raise ValueError(f"design {design!r} is not one of {', '.join(DESIGNS)}")
    grid = list(allowed) if allowed is not None else None
    count = len(grid) if grid is not None else high_mb - low_mb + 1
    if count <= len(ANCHORS):
        return tuple(grid) if grid is not None else tuple(range(low_mb, high_mb + 1))
    chosen: list[int] = []
    for target in rule(low_mb, high_mb):
        chosen.append(_nearest_free(target, chosen, grid, low_mb, high_mb))
    return tuple(sorted(chosen))


def _nearest_free(target: float, chosen: list[int], grid: list[int] | None, low_mb: int, high_mb: int) -> int:
    """The allowed size nearest to ``target`` in log memory that is not chosen yet."""
    if grid is None:
        # Every whole MB is allowed: the nearest whole MB, stepping outwards past chosen ones.
        base = min(max(round(target), low_mb), high_mb)
        for step in range(high_mb - low_mb + 1):
            for size in (base - step, base + step):
                if low_mb <= size <= high_mb and size not in chosen:
                    return size
        raise AssertionError("a range of more than three sizes always has a free one")
    free = [s for s in grid if s not in chosen]
    return min(free, key=lambda s: (abs(math.log(s / target)), s))

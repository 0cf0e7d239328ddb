"""The memory sizes a tuning measures first, before the model suggests any.

:data:`INITIAL_SIZES` is 256, 1,769 and 3,008 MB. With :class:`~advisor.models.DurationModel`'s
averaged ``knee`` form (``io + cpu/min(vcpu, k)``) three sizes must pin the I/O floor, the CPU
work and the knee:

- **1,769 MB** is one full vCPU, where a single-threaded function stops speeding up: its level
  there is the plateau every larger size shares when the knee is 1, and where a CPU-bound
  function's cost per request (memory x duration, flat below the knee) starts to grow.
- **3,008 MB** (1.7 vCPU) is above the knee: it tells a single thread (the same duration as at
  1,769 MB) from several threads (faster) without paying for the largest sizes. The local
  target reaches it on a 2-core machine (1.75 vCPU).
- **256 MB** is far enough below the knee to measure the CPU work against the I/O floor (an
  I/O-bound function is as fast there as at 1,769 MB) but not at 128 MB, where runtimes
  under memory pressure slow down more than the CPU share explains (cebert's Node.js
  functions 2.4-2.6x from 256 to 128 MB, .NET's invocations scatter 29%) and where many ML
  handlers do not fit at all; a fit at 128 MB carries that slowdown to every other size.

Chosen on the development curves of ``bench/bench_models.py`` only, where it predicted the
other sizes' mean duration with the lowest error of the designs tried (mean 6.6%, median
4.0%; 256/1024/2048 MB: 7.8% and 7.2%; 128/1024/3008 MB: 7.5%, 5.0%; 512/1769/3008 MB: 8.6%,
3.9%); ``bench/bench_models.py`` prints these designs on every part of the data.
"""

from __future__ import annotations

import math

from advisor.platform.aws_lambda import MB_PER_VCPU

#: The three memory sizes (MB) a tuning measures first (see the module docstring).
INITIAL_SIZES: tuple[int, int, int] = (256, round(MB_PER_VCPU), 3008)
#: Other three-size designs the benchmark reports beside :data:`INITIAL_SIZES`.
OTHER_DESIGNS: tuple[tuple[int, int, int], ...] = (
    (256, 1024, 2048),
    (128, 1024, 3008),
    (512, round(MB_PER_VCPU), 3008),
    (128, 512, 2048),
)


def initial_sizes(low_mb: int, high_mb: int) -> tuple[int, ...]:
    """:data:`INITIAL_SIZES` within ``[low_mb, high_mb]``, three distinct whole MB where possible.

    Sizes of the design outside the range are replaced by sizes spread evenly in log memory
    between the range's ends, keeping those of the design inside it.

    Raises:
        ValueError: ``low_mb`` is above ``high_mb``.
    """
    if low_mb > high_mb:
        raise ValueError(f"memory range {low_mb}-{high_mb} MB is empty")
    inside = [m for m in INITIAL_SIZES if low_mb <= m <= high_mb]
    if len(inside) == len(INITIAL_SIZES):
        return INITIAL_SIZES
    spread = {round(math.exp(math.log(low_mb) + f * math.log(high_mb / low_mb))) for f in (0, 0.5, 1)}
    chosen = set(inside)
    far_first = sorted(spread, key=lambda m: min((abs(math.log(m / s)) for s in chosen), default=9.0),
                       reverse=True)
    for size in far_first:
        if len(chosen) == len(INITIAL_SIZES):
            break
        if all(abs(math.log(size / s)) > 0.1 for s in chosen):
            chosen.add(size)
    return tuple(sorted(chosen))

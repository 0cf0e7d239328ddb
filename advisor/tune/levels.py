"""The probability levels of the tuner's intervals and checks (a module of its own, without the
model's imports, so that what only reads them starts fast)."""

from __future__ import annotations

from typing import Final

#: One-sided level of the warm feasibility check: a size is feasible when every SLA percentile
#: holds at this quantile of its draws. Chosen on bench/bench_tune.py's development cases: the
#: least mean regret of the levels whose SLA violations stayed near 3% (docs/tune.md, "The
#: feasibility level"; it was 0.95, the upper end of a 90% interval, before).
UPPER: Final = 0.75
#: Coverage of the intervals reported for means and percentiles.
COVERAGE: Final = 0.90
#: One-sided level of the pessimistic replay with traffic (the upper end of the reported
#: interval), and of the t-interval of a measured mean's upper end.
PESSIMISTIC: Final = (1.0 + COVERAGE) / 2.0

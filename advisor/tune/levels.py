"""The probability levels of the tuner's intervals and checks (a module of its own, without the
model's imports, so that what only reads them starts fast)."""

from __future__ import annotations

from typing import Final

#: One-sided level of the feasibility check: the upper end of a 90% interval.
UPPER: Final = 0.95
#: Coverage of the intervals reported for means and percentiles.
COVERAGE: Final = 0.90

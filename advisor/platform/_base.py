"""The shape every platform fact takes: a bounded quantity with one validator.

A :class:`Bound` names an option's unit and its inclusive range, says where the range comes
from, and checks a value the same way for every command that takes it, so every command
accepts and refuses the same values with the same message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from advisor.errors import UsageError


@dataclass(frozen=True)
class Bound:
    """An inclusive range of accepted values.

    Attributes:
        what: What the value is, in words ("memory size").
        unit: Its unit as printed after a number ("MB", "s", "" for a count).
        low: Smallest accepted value.
        high: Largest accepted value (``math.inf``: no upper bound).
        why: Where the range comes from (a platform limit, or what advisor can simulate).
        integer: Whether only whole numbers are accepted.
    """

    what: str
    unit: str
    low: float
    high: float
    why: str
    integer: bool = True

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the range (and is whole, for an integral bound)."""
        number = float(value)
        if math.isnan(number) or not self.low <= number <= self.high:
            return False
        return not self.integer or (math.isfinite(number) and number == math.floor(number))

    def outside(self, values: Any) -> Any:
        """Element-wise: True where a value is not in the range (or not whole, if integral)."""
        import numpy as np

        array = np.asarray(values, dtype=np.float64)
        bad = ~((array >= self.low) & (array <= self.high))  # NaN is outside
        if self.integer:
            bad |= np.isfinite(array) & (array != np.floor(array))
        return bad

    def check(self, value: float, *, option: str) -> float:
        """``value`` if it lies in the range, else a :class:`UsageError` naming ``option``.

        Args:
            value: The value given.
            option: The option or setting it was given as (``--memory``).

        Returns:
            The value, as an ``int`` when the bound is integral.
        """
        number = float(value)
        if not self.contains(number):
            inside = self.low <= number <= self.high
            problem = "is not a whole number" if inside else f"is outside {self.range_text()} ({self.why})"
            raise UsageError(f"{option} {_shown(value)} {problem}.", hint=self.hint())
        return int(number) if self.integer else number

    def hint(self) -> str:
        """What to give instead: ``Give a whole number from 128 to 10,240 (MB).``"""
        kind = "a whole number" if self.integer else "a number"
        high = "" if math.isinf(self.high) else f" to {_shown(self.high)}"
        unit = f" ({self.unit})" if self.unit else ""
        return f"Give {kind} from {_shown(self.low)}{high}{unit}."

    def range_text(self) -> str:
        """The range in words: ``128-10,240 MB``."""
        unit = f" {self.unit}" if self.unit else ""
        high = "no limit" if math.isinf(self.high) else f"{self.high:,g}"
        return f"{self.what} {self.low:,g}-{high}{unit}"

    def help_text(self) -> str:
        """The range for an option's help: ``128-10,240 MB``."""
        high = "no limit" if math.isinf(self.high) else f"{self.high:,g}"
        return f"{self.low:,g}-{high}{(' ' + self.unit) if self.unit else ''}"


#: Numbers at least this large are shown in exponent form.
_LARGE = 1e15


def _shown(value: float) -> str:
    number = float(value)
    if math.isfinite(number) and number == int(number) and abs(number) < _LARGE:
        return f"{int(number):,}"
    return f"{number:g}"

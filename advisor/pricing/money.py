"""Exact money: Decimal dollars, an exact arithmetic context, and one way to print them.

Prices in the catalogs have at most ten decimal places and a GB-second is a
whole number of MB-ms divided by 1,024,000 (= 2**13 * 5**3), so every cost advisor
computes has a finite decimal expansion. Arithmetic runs in a context wide
enough that nothing is ever rounded, and :data:`EXACT` traps ``Inexact`` so a
rounding would fail loudly rather than drift.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Final

#: Wide enough for any sum over billions of records at ten-decimal prices.
PRECISION: Final = 80
#: Arithmetic context for money: never rounds (``Inexact`` raises).
EXACT: Final = decimal.Context(prec=PRECISION, traps=[decimal.Inexact, decimal.InvalidOperation])
ZERO: Final = Decimal(0)
CENT: Final = Decimal("0.01")
#: Fewest decimals printed for a dollar amount ("0.40", "383.98").
MIN_PRINTED_DECIMALS: Final = 2


def to_decimal(value: object, *, what: str = "value") -> Decimal:
    """Convert an int, float, str or Decimal to an exact Decimal.

    Floats go through their shortest round-trip text (``0.3`` -> ``Decimal('0.3')``),
    which is the number a person typed.

    Args:
        value: The number.
        what: Its name, for the error message.

    Raises:
        ValueError: ``value`` is not a finite number.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"{what} must be a number, not {value!r}")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif hasattr(value, "item"):  # numpy scalar
        return to_decimal(value.item(), what=what)
    else:
        try:
            result = Decimal(str(value).strip())
        except decimal.InvalidOperation:
            raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    return result


def mul(*factors: Decimal | int) -> Decimal:
    """Exact product of ``factors``."""
    result = Decimal(1)
    for factor in factors:
        result = EXACT.multiply(result, Decimal(factor))
    return result


def div(numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    """Exact quotient; raises ``decimal.Inexact`` if it does not terminate."""
    return EXACT.divide(Decimal(numerator), Decimal(denominator))


def add(*terms: Decimal | int) -> Decimal:
    """Exact sum of ``terms``."""
    result = ZERO
    for term in terms:
        result = EXACT.add(result, Decimal(term))
    return result


def usd_text(amount: Decimal) -> str:
    """The exact amount as plain decimal text, at least two decimals, no exponent.

    ``Decimal('108.000864')`` -> ``'108.000864'``; ``Decimal('0.4')`` -> ``'0.40'``;
    ``Decimal('5.00001E-6')`` -> ``'0.00000500001'``. This is how money is printed in
    every JSON document (a string, so no float ever rounds it).
    """
    normal = amount.normalize(EXACT) if amount else ZERO
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)
    places = max(MIN_PRINTED_DECIMALS, -exponent)
    return f"{normal:.{places}f}"


def plain_text(value: Decimal) -> str:
    """Any exact number as plain decimal text without exponent or trailing zeros (``'0.0000166667'``)."""
    return format(value.normalize(EXACT) if value else ZERO, "f")


def round_cents(amount: Decimal) -> Decimal:
    """Round half-up to the cent, for display."""
    return amount.quantize(CENT, rounding=decimal.ROUND_HALF_UP)

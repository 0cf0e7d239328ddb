"""Exact money: printing and the no-rounding arithmetic context."""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest

from advisor.pricing.money import div, plain_text, to_decimal, usd_text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("0.4"), "0.40"),
        (Decimal("5.00001E-6"), "0.00000500001"),
        (Decimal("108.0008640000"), "108.000864"),
        (Decimal("1E+2"), "100.00"),
        (Decimal(0), "0.00"),
    ],
)
def test_usd_text_is_exact_plain_decimal_with_at_least_cents(amount: Decimal, text: str) -> None:
    assert usd_text(amount) == text


def test_plain_text_has_no_exponent_or_trailing_zeros() -> None:
    assert plain_text(Decimal("1.66667E-5")) == "0.0000166667"
    assert plain_text(Decimal("2.000")) == "2"


def test_division_that_would_round_raises_instead() -> None:
    assert div(1, 1_024_000) == Decimal("9.765625E-7")
    with pytest.raises(decimal.Inexact):
        div(1, 3)


def test_floats_become_the_number_that_was_typed() -> None:
    assert to_decimal(0.3) == Decimal("0.3")
    with pytest.raises(ValueError, match="finite"):
        to_decimal(float("nan"))
    with pytest.raises(ValueError, match="must be a number"):
        to_decimal(True)

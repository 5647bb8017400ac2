"""Exact arithmetic on reported values: digits counted as written, scale without rounding, a stated limit."""
from __future__ import annotations

from decimal import Decimal

import pytest

from xbrlkit import exact


@pytest.mark.parametrize("text, count", [("1250E+3", 7), ("0.05", 3), ("123.45", 5), ("-7", 1), ("0", 1)])
def test_digits_as_written_out(text: str, count: int):
    assert exact.digits(Decimal(text)) == count


def test_scale_keeps_every_digit():
    value = exact.scaled(Decimal("1" * 300), 200)
    assert format(value, "f") == "1" * 300 + "0" * 200 and value.as_tuple().exponent == 0
    assert exact.scaled(Decimal("1250"), -204) == Decimal("1.25E-201")


def test_a_value_past_the_limit_is_refused_not_rounded():
    with pytest.raises(ValueError, match="1001 digits; xbrlkit keeps at most 1000"):
        exact.scaled(Decimal(1), exact.MAX_DIGITS)
    with pytest.raises(ValueError):
        exact.scaled(Decimal(5), 999_999_999)


def test_negation_and_rounding_keep_precision():
    long = Decimal("9" * 60 + ".5")
    assert exact.negated(long) == Decimal("-" + "9" * 60 + ".5")
    assert exact.rounded(long, 0) == Decimal("1" + "0" * 60)
    assert exact.rounded(Decimal("1234567"), -3) == Decimal("1.235E+6")
    assert exact.rounded(Decimal("1.5"), 10**9) == Decimal("1.5")

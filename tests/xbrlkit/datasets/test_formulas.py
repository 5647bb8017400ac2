"""The one formula evaluator: exact Decimal arithmetic, for ratios built from facts and for expressions scored."""
from __future__ import annotations

import decimal
from decimal import Decimal

import pytest

from xbrlkit.datasets.formulas import Formula, evaluate, evaluate_arithmetic, round_cents


def test_a_ratio_is_exact_to_fifty_digits():
    current = Formula("Current Ratio", "{Current Assets} / {Current Liabilities}")
    assert current.concepts == ("Current Assets", "Current Liabilities")
    value = evaluate(current, {"Current Assets": Decimal("143566000000"), "Current Liabilities": Decimal("145308000000")})
    with decimal.localcontext(decimal.Context(prec=50)):
        assert value == Decimal(143566000000) / Decimal(145308000000)
    assert round_cents(value) == Decimal("0.99")
    assert evaluate(current, {"Current Assets": Decimal(1), "Current Liabilities": Decimal(0)}) is None


@pytest.mark.parametrize("text, value", [
    ("0.1 + 0.2", "0.3"), ("-(2 - 5)", "3"), ("+7", "7"), ("(169148000000 / 383285000000) * 100", None),
])
def test_arithmetic_over_numbers_is_decimal(text, value):
    result = evaluate_arithmetic(text)
    assert isinstance(result, Decimal)
    if value is not None:
        assert result == Decimal(value)  # 0.1 + 0.2 is 0.30000000000000004 in float


@pytest.mark.parametrize("text", ["2 ** 10", "__import__('os')", "{Assets} + 1", "1 / 0", "x", "'5'", ""])
def test_anything_else_is_none(text):
    assert evaluate_arithmetic(text) is None

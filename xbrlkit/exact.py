"""Exact arithmetic on reported values: every digit kept, within a stated limit.

Python's default decimal context keeps 28 digits and raises on exponents past
about 10**999999; reported values are neither rounded nor bounded by it here.
A value may have at most `MAX_DIGITS` digits once scaled (a 1,000-digit
number is far past any real fact, and the limit keeps `scale="999999999"`
from asking for a billion-digit integer); the readers reject a fact beyond it,
with the reason, instead of rounding it.
"""
from __future__ import annotations

import decimal
from decimal import ROUND_HALF_EVEN, Decimal

MAX_DIGITS = 1000
"""The most digits (integer and fraction together) a fact's value may have."""

_CONTEXT = decimal.Context(prec=2 * MAX_DIGITS + 2, rounding=ROUND_HALF_EVEN, Emax=decimal.MAX_EMAX,
                           Emin=decimal.MIN_EMIN, traps=[decimal.InvalidOperation, decimal.Overflow])


def digits(number: Decimal) -> int:
    """How many digits `number` has when written out without an exponent (1250E+3 -> 7, 0.05 -> 3)."""
    sign, digit_tuple, exponent = number.as_tuple()
    return len(digit_tuple) + exponent if exponent > 0 else max(len(digit_tuple), -exponent + 1)


def scaled(number: Decimal, scale: int) -> Decimal:
    """`number` x 10**scale, exactly, written without a positive exponent (inline XBRL `scale`).

    Raises ValueError when the result would have more than MAX_DIGITS digits.
    """
    sign, digit_tuple, exponent = number.as_tuple()
    return canonical(within_limit(Decimal((sign, digit_tuple, exponent + scale))))


def within_limit(number: Decimal) -> Decimal:
    """`number`, or ValueError when it has more than MAX_DIGITS digits."""
    if digits(number) > MAX_DIGITS:
        raise ValueError(f"the value has {digits(number)} digits; xbrlkit keeps at most {MAX_DIGITS} exactly")
    return number


def canonical(number: Decimal) -> Decimal:
    """Write a value without a positive exponent (96995E+6 -> 96995000000); same number."""
    if number.is_finite() and number.as_tuple().exponent > 0:
        return number.quantize(Decimal(1), context=_CONTEXT)
    return number


def negated(number: Decimal) -> Decimal:
    """-number with every digit (unary minus would round to the current context)."""
    return number.copy_negate()


def rounded(number: Decimal, decimals: int) -> Decimal:
    """`number` rounded half-even to `decimals` places (negative: to tens, hundreds, ...), exactly."""
    if decimals >= -number.as_tuple().exponent:
        return number  # already has no digit past that place
    return number.quantize(Decimal((0, (1,), -decimals)), context=_CONTEXT)

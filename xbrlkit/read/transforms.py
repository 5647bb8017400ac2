"""Inline XBRL numeric transformations (ixt registries 1-5 and the SEC's ixt-sec).

`to_decimal(text, format)` turns the displayed text of an `ix:nonFraction`
into an `xs:decimal` Decimal before scale and sign are applied. Formats are
looked up by local name; the registries renamed some rules between versions
(`numdotdecimal` -> `num-dot-decimal`), so both spellings map to one rule.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Callable

_SMALL = {
    "zero": 0, "no": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}
_MAGNITUDES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}


def _digits(text: str, decimal_mark: str) -> str:
    group_marks = {".": ",", ",": "."}[decimal_mark]
    cleaned = re.sub(rf"[\s\u00a0'{re.escape(group_marks)}]", "", text)
    return cleaned.replace(decimal_mark, ".")


def _num_words(text: str) -> str:
    """English number words ("three", "twenty-five", "no") as a decimal string."""
    total, current = 0, 0
    words = re.split(r"[\s\-]+", text.strip().lower())
    for word in filter(None, words):
        if word == "and":
            continue
        if word in _SMALL:
            current += _SMALL[word]
        elif word == "hundred":
            current *= 100
        elif word in _MAGNITUDES:
            total += current * _MAGNITUDES[word]
            current = 0
        else:
            raise ValueError(f"not an English number word: {word!r}")
    return str(total + current)


_RULES: dict[str, Callable[[str], str]] = {
    "num-dot-decimal": lambda t: _digits(t, "."),
    "numdotdecimal": lambda t: _digits(t, "."),
    "numcommadot": lambda t: _digits(t, "."),
    "numspacedot": lambda t: _digits(t, "."),
    "num-comma-decimal": lambda t: _digits(t, ","),
    "numcommadecimal": lambda t: _digits(t, ","),
    "numdotcomma": lambda t: _digits(t, ","),
    "numspacecomma": lambda t: _digits(t, ","),
    "fixed-zero": lambda t: "0",
    "zerodash": lambda t: "0",
    "numwordsen": _num_words,
    "num-word-en": _num_words,
}


def known(format_qname: str) -> bool:
    return format_qname.rpartition(":")[2] in _RULES


def to_decimal(text: str, format_qname: str | None) -> Decimal:
    """Apply the transformation named by `format_qname` (prefix:local) to `text`.

    Raises ValueError for an unknown format or text the format cannot read.
    """
    if format_qname:
        rule = _RULES.get(format_qname.rpartition(":")[2])
        if rule is None:
            raise ValueError(f"unsupported inline XBRL format {format_qname}")
        lexical = rule(text)
    else:
        lexical = text.strip()
    try:
        return Decimal(lexical)
    except InvalidOperation:
        raise ValueError(f"{text.strip()!r} is not a number in format {format_qname or 'xs:decimal'}") from None

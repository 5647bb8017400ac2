"""Each numeric transformation rule, case by case as its registry documents it (sources: transforms' docstring).

A row is (format, displayed text, expected): the exact xs:decimal lexical it yields, or Rejected(part of the reason).
"""
from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

import pytest

from xbrlkit.read.transforms import to_decimal

NBSP = "\u00a0"
# zerodashType; numwordsenType joins tens and units with the same twelve
DASHES = ["-", "\u058a", "\u05be", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\ufe58", "\ufe63",
          "\uff0d"]
NOT_TRIMMED = "a non-breaking space is not trimmed"


class Rejected(NamedTuple):
    reason: str


WORDS = "ixt-sec:numwordsen"

# The SEC registry's own test cases for ixt-sec:numwordsen (transform/conf/tests.xml), every variation in its order.
SEC_REGISTRY_CASES = [
    (WORDS, "eighteen million three hundred thousand fifty-one", "18300051"),
    (WORDS, "eighteen million three hundred thousand and fifty-one", "18300051"),
    *[(WORDS, f"fifty{dash}one", "51") for dash in DASHES],
    (WORDS, "fifty_one", Rejected("'_' may not appear in number words")),
    (WORDS, "fiftyone", Rejected("'fiftyone' is not an English number word")),
    (WORDS, "none", "0"),
    (WORDS, "zero", "0"),
    (WORDS, "four gazillion", Rejected("'gazillion' is not an English number word")),
    (WORDS, "zero hundred", Rejected("'zero' must stand alone")),
    (WORDS, "one hundred", "100"),
    (WORDS, " one hundred ", "100"),
    (WORDS, f"one{NBSP}hundred", "100"),
    (WORDS, f"{NBSP}one hundred", Rejected(NOT_TRIMMED)),
    (WORDS, f"one hundred{NBSP}", Rejected(NOT_TRIMMED)),
    (WORDS, " zero ", "0"),
    (WORDS, f"{NBSP}zero", Rejected(NOT_TRIMMED)),
    (WORDS, f"zero{NBSP}", Rejected(NOT_TRIMMED)),
]

# What ixt-sec-numwordsen.xml and numwordsenType (its pattern and annotation) say, beyond those test cases.
SEC_DOCUMENTED_CASES = [
    # "The word and is allowed before sub-hundred words, e.g., three thousand and thirty-five": after hundred and
    # thousand, which is where the pattern puts it.
    (WORDS, "three thousand and thirty-five", "3035"),
    (WORDS, "one hundred and five", "105"),
    (WORDS, "one hundred and five thousand", "105000"),
    (WORDS, "one thousand, and five", "1005"),
    (WORDS, "one million and five", Rejected("'and' may only follow 'hundred' or 'thousand'")),
    (WORDS, "one thousand and one hundred", Rejected("after 'and' only a number below one hundred may follow")),
    (WORDS, "one hundred and", Rejected("it may not end with 'and'")),
    (WORDS, "and five", Rejected("'and' may only follow 'hundred' or 'thousand'")),
    # "Commas are allowed where 1000 group separators are valid"
    (WORDS, "one million, two hundred thousand, three hundred", "1200300"),
    (WORDS, "one billion ,two", "1000000002"),
    (WORDS, "one thousand, five", "1005"),
    (WORDS, "one hundred, five", Rejected("a comma may only follow thousand, million")),
    (WORDS, "one, two", Rejected("a comma may only follow thousand, million")),
    (WORDS, "one million,", Rejected("it ends with ','")),
    (WORDS, "one,,two", Rejected("',,' may not stand between two words")),
    # "Use of dash is optional between 20 and 90 and digits word": a space does as well, nothing else takes a dash
    (WORDS, "fifty one", "51"),
    (WORDS, "ninety-nine", "99"),
    (WORDS, "fifty - one", Rejected("a dash must join two words without spaces")),
    (WORDS, "fifty--one", Rejected("'--' may not stand between two words")),
    (WORDS, "twenty-ten", Rejected("a dash may only join tens and units")),
    (WORDS, "one-hundred", Rejected("a dash may only join tens and units")),
    (WORDS, "fifty-thousand", Rejected("a dash may only join tens and units")),
    (WORDS, "twenty-", Rejected("it ends with '-'")),
    (WORDS, "-one", Rejected("it starts with '-'")),
    # short-form notation, billion being 1000 x million; the pattern reaches quintillion, one scale word each, largest
    # first; hundreds are counted by one to nineteen
    (WORDS, "one billion", "1000000000"),
    (WORDS, "two trillion", "2000000000000"),
    (WORDS, "one quadrillion", "1000000000000000"),
    (WORDS, "one quintillion", "1000000000000000000"),
    (WORDS, "nine hundred ninety-nine quintillion nine hundred ninety-nine quadrillion nine hundred ninety-nine "
            "trillion nine hundred ninety-nine billion nine hundred ninety-nine million nine hundred ninety-nine "
            "thousand nine hundred ninety-nine", "999999999999999999999"),
    (WORDS, "one billion one million", "1001000000"),
    (WORDS, "twelve hundred", "1200"),
    (WORDS, "nineteen hundred and ninety-nine", "1999"),
    (WORDS, "one hundred thousand", "100000"),
    (WORDS, "one sextillion", Rejected("'sextillion' is not an English number word")),
    (WORDS, "one thousand million", Rejected("'million' may not come after 'thousand'")),
    (WORDS, "one million one billion", Rejected("'billion' may not come after 'million'")),
    (WORDS, "one million one million", Rejected("'million' may not come after 'million'")),
    (WORDS, "twenty hundred", Rejected("'hundred' must follow a number from one to nineteen")),
    (WORDS, "fifty-one hundred", Rejected("'hundred' must follow a number from one to nineteen")),
    (WORDS, "thousand", Rejected("it may not start with 'thousand'")),
    (WORDS, "a hundred", Rejected("'a' is not an English number word")),
    (WORDS, "one millionfive", Rejected("'millionfive' is not an English number word")),
    # "Fractions are not supported"
    (WORDS, "one hundred one and 01/100", Rejected("'0' may not appear in number words")),
    (WORDS, "two-thirds", Rejected("'thirds' is not an English number word")),
    # zero, no, none and nil stand alone
    (WORDS, "no", "0"),
    (WORDS, "nil", "0"),
    (WORDS, "no hundred", Rejected("'no' must stand alone")),
    (WORDS, "one zero", Rejected("'zero' must stand alone")),
    # [Oo]ne, [Hh]undred, ...: only a word's first letter may be a capital; "and" is lower case
    (WORDS, "One Hundred Thousand", "100000"),
    (WORDS, "Zero", "0"),
    (WORDS, "None", "0"),
    (WORDS, "Nil", "0"),
    (WORDS, "ONE", Rejected("'ONE' must be lower case after its first letter")),
    (WORDS, "NONE", Rejected("'NONE' must be lower case after its first letter")),
    (WORDS, "one hUndred", Rejected("'hUndred' must be lower case after its first letter")),
    (WORDS, "one hundred And five", Rejected("'And' must be lower case")),
    # whiteSpace collapse: tab, CR and LF are spaces; a non-breaking space separates words but is never trimmed
    (WORDS, "one\thundred\r\nthousand", "100000"),
    (WORDS, f"one {NBSP} hundred", "100"),
    (WORDS, f"one million{NBSP}", Rejected(NOT_TRIMMED)),
    (WORDS, "", Rejected("it is empty")),
    (WORDS, " \t ", Rejected("it is empty")),
]

# TR1 numcommadot, numdotcomma, numspacedot, numspacecomma: [0-9]{1,3}(S[0-9]{3})*(D[0-9]+)? for each separator S
# and decimal mark D; numspace* take a space or a non-breaking space.
TR1_CASES = [
    ("ixt:numcommadot", "1", "1"),
    ("ixt:numcommadot", "1,234", "1234"),
    ("ixt:numcommadot", "12,345,678.90", "12345678.90"),
    ("ixt:numcommadot", "1.234", "1.234"),
    ("ixt:numcommadot", " 0.25 ", "0.25"),
    ("ixt:numcommadot", "1234", Rejected("digits must be grouped in threes by a comma")),
    ("ixt:numcommadot", "1,23", Rejected("digits must be grouped in threes by a comma")),
    ("ixt:numcommadot", "1,2345", Rejected("digits must be grouped in threes by a comma")),
    ("ixt:numcommadot", "1 234", Rejected("' ' is neither a digit nor a comma")),
    ("ixt:numcommadot", "1,234,", Rejected("a comma must stand between two digits")),
    ("ixt:numcommadot", ".5", Rejected("it must start with a digit")),
    ("ixt:numcommadot", "1.", Rejected("nothing follows the decimal mark")),
    ("ixt:numcommadot", "1.2.3", Rejected("more than one decimal mark '.'")),
    ("ixt:numcommadot", "-1", Rejected("'-' is neither a digit nor a comma")),
    ("ixt:numcommadot", f"{NBSP}1", Rejected(NOT_TRIMMED)),
    ("ixt:numdotcomma", "1.234,5", "1234.5"),
    ("ixt:numdotcomma", "1.234.567", "1234567"),
    ("ixt:numdotcomma", "1,5", "1.5"),
    ("ixt:numdotcomma", "1.23", Rejected("digits must be grouped in threes by a dot")),
    ("ixt:numdotcomma", "1,234.5", Rejected("only digits may follow the decimal mark, not '.'")),
    ("ixt:numspacedot", "1 234 567.89", "1234567.89"),
    ("ixt:numspacedot", f"1{NBSP}234.5", "1234.5"),
    ("ixt:numspacedot", "1  234", "1234"),
    ("ixt:numspacedot", "1\t234", "1234"),
    ("ixt:numspacedot", "1234", Rejected("digits must be grouped in threes by a space or a non-breaking space")),
    ("ixt:numspacedot", "1,234", Rejected("',' is neither a digit nor a space or a non-breaking space")),
    ("ixt:numspacedot", f"1 234{NBSP}", Rejected(NOT_TRIMMED)),
    ("ixt:numspacecomma", "1 234,5", "1234.5"),
    ("ixt:numspacecomma", f"1{NBSP}234{NBSP}567", "1234567"),
    ("ixt:numspacecomma", "1 234.5", Rejected("'.' is neither a digit nor a space")),
]

# TR2/TR3 numdotdecimal [0-9]{1,3}([,  ]?[0-9]{3})*(\.[0-9]+)?, numcommadecimal [0-9]{1,3}([.  ]?[0-9]{3})*(,[0-9]+)?
# (comma or dot, space, non-breaking space); zerodash: exactly one of twelve dashes.
TR2_CASES = [
    ("ixt:numdotdecimal", "1,234,567.89", "1234567.89"),
    ("ixt:numdotdecimal", "1 234 567.89", "1234567.89"),
    ("ixt:numdotdecimal", f"1{NBSP}234.5", "1234.5"),
    ("ixt:numdotdecimal", "1,234 567", "1234567"),
    ("ixt:numdotdecimal", "1234567.89", "1234567.89"),
    ("ixt:numdotdecimal", "12345,678", "12345678"),
    ("ixt:numdotdecimal", "0", "0"),
    ("ixt:numdotdecimal", "\n 1,234\t", "1234"),
    ("ixt:numdotdecimal", "1,2345", Rejected("digits after a group separator must come in threes")),
    ("ixt:numdotdecimal", "1,23", Rejected("digits after a group separator must come in threes")),
    ("ixt:numdotdecimal", "1,,234", Rejected("a comma, a space or a non-breaking space must stand between two digits")),
    ("ixt:numdotdecimal", ".5", Rejected("it must start with a digit")),
    ("ixt:numdotdecimal", "1.", Rejected("nothing follows the decimal mark")),
    ("ixt:numdotdecimal", "1.5 0", Rejected("only digits may follow the decimal mark, not ' '")),
    ("ixt:numdotdecimal", "1.234,5", Rejected("only digits may follow the decimal mark, not ','")),
    ("ixt:numdotdecimal", "1'234", Rejected("\"'\" is neither a digit nor a comma, a space or a non-breaking space")),
    ("ixt:numdotdecimal", f"{NBSP}1,234", Rejected(NOT_TRIMMED)),
    ("ixt:numdotdecimal", f"1,234{NBSP}", Rejected(NOT_TRIMMED)),
    ("ixt:numdotdecimal", "", Rejected("it is empty")),
    ("ixt:numcommadecimal", "1.234.567,89", "1234567.89"),
    ("ixt:numcommadecimal", f"1 234{NBSP}567,8", "1234567.8"),
    ("ixt:numcommadecimal", "1234,5", "1234.5"),
    ("ixt:numcommadecimal", "1,234.5", Rejected("only digits may follow the decimal mark, not '.'")),
    ("ixt:numcommadecimal", ",5", Rejected("it must start with a digit")),
    ("ixt:numcommadecimal", "1.23,4", Rejected("digits after a group separator must come in threes")),
    *[("ixt:zerodash", dash, "0") for dash in DASHES],
    ("ixt:zerodash", " \u2014\n", "0"),
    ("ixt:zerodash", "--", Rejected("it must be a single dash")),
    ("ixt:zerodash", "- -", Rejected("it is not one of the dashes")),
    ("ixt:zerodash", "0", Rejected("it is not one of the dashes")),
    ("ixt:zerodash", "~", Rejected("it is not one of the dashes")),
    ("ixt:zerodash", "\u2212", Rejected("it is not one of the dashes")),  # the minus sign is not among them
    ("ixt:zerodash", f"{NBSP}-", Rejected(NOT_TRIMMED)),
    ("ixt:zerodash", f"-{NBSP}", Rejected(NOT_TRIMMED)),
    ("ixt:zerodash", "", Rejected("it is empty")),
]

# TR4/TR5 num-dot-decimal [,  0-9]*(\.[  0-9]+)? and num-comma-decimal [.  0-9]*(,[  0-9]+)?, at least one digit:
# separators anywhere, a non-breaking space included; fixed-zero: any string.
TR4_CASES = [
    ("ixt:num-dot-decimal", "1,234,567.89", "1234567.89"),
    ("ixt:num-dot-decimal", "1234", "1234"),
    ("ixt:num-dot-decimal", "1,2,3,4", "1234"),
    ("ixt:num-dot-decimal", "12 34", "1234"),
    ("ixt:num-dot-decimal", ".5", "0.5"),
    ("ixt:num-dot-decimal", "1.2 3", "1.23"),
    ("ixt:num-dot-decimal", f"{NBSP}1 234", "1234"),
    ("ixt:num-dot-decimal", f"1,234.5{NBSP}", "1234.5"),
    ("ixt:num-dot-decimal", f"1.{NBSP}", "1"),
    ("ixt:num-dot-decimal", ",1", "1"),
    ("ixt:num-dot-decimal", "1.", Rejected("nothing follows the decimal mark")),
    ("ixt:num-dot-decimal", ",", Rejected("it has no digits")),
    ("ixt:num-dot-decimal", f".{NBSP}", Rejected("it has no digits")),
    ("ixt:num-dot-decimal", "", Rejected("it is empty")),
    ("ixt:num-dot-decimal", "1.2.3", Rejected("more than one decimal mark '.'")),
    ("ixt:num-dot-decimal", "1.2,3", Rejected("only digits, spaces and non-breaking spaces may follow the decimal")),
    ("ixt:num-dot-decimal", "1'234", Rejected("\"'\" is neither a digit nor a comma, a space or a non-breaking")),
    ("ixt:num-dot-decimal", "-1", Rejected("'-' is neither a digit nor a comma")),
    ("ixt:num-dot-decimal", "$1", Rejected("'$' is neither a digit nor a comma")),
    ("ixt:num-comma-decimal", "1.234.567,89", "1234567.89"),
    ("ixt:num-comma-decimal", ",5", "0.5"),
    ("ixt:num-comma-decimal", f"1 234,5{NBSP}6", "1234.56"),
    ("ixt:num-comma-decimal", "1.2.3", "123"),
    ("ixt:num-comma-decimal", "1,2,3", Rejected("more than one decimal mark ','")),
    ("ixt:num-comma-decimal", "1,234.5", Rejected("only digits, spaces and non-breaking spaces may follow")),
    *[("ixt:fixed-zero", text, "0") for text in ["", "-", "\u2014", "abc", NBSP, "1,234", " nil "]],
]

# No format: the text, whitespace collapsed, must be an xs:decimal.
NO_FORMAT_CASES = [
    (None, "1234.50", "1234.50"),
    (None, " -12 ", "-12"),
    (None, "+.5", "0.5"),
    (None, "5.", "5"),
    (None, "007", "7"),
    (None, "1,234", Rejected("it must be digits with an optional sign and decimal point")),
    (None, "1e5", Rejected("it must be digits with an optional sign and decimal point")),
    (None, "NaN", Rejected("it must be digits with an optional sign and decimal point")),
    (None, "Infinity", Rejected("it must be digits with an optional sign and decimal point")),
    (None, "1_000", Rejected("it must be digits with an optional sign and decimal point")),
    (None, "\u0661\u0662", Rejected("it must be digits with an optional sign and decimal point")),
    (None, f"{NBSP}5", Rejected(NOT_TRIMMED)),
    (None, "", Rejected("it is empty")),
]

# Every digit survives: no float and no limited decimal context between the text and the value.
EXACT_CASES = [
    ("ixt:num-dot-decimal", "123,456,789,012,345,678,901,234.567890123456789012345678901",
     "123456789012345678901234.567890123456789012345678901"),
    ("ixt:numcommadecimal", "98.765.432.109.876.543.210,000000000000000000001",
     "98765432109876543210.000000000000000000001"),
    (None, "0.100000000000000000000000000000000000001", "0.100000000000000000000000000000000000001"),
]

CASES = SEC_REGISTRY_CASES + SEC_DOCUMENTED_CASES + TR1_CASES + TR2_CASES + TR4_CASES + NO_FORMAT_CASES + EXACT_CASES


@pytest.mark.parametrize(("format_qname", "text", "expected"), CASES)
def test_rule(format_qname: str | None, text: str, expected: str | Rejected) -> None:
    if isinstance(expected, Rejected):
        with pytest.raises(ValueError) as raised:
            to_decimal(text, format_qname)
        message = str(raised.value)
        assert message.startswith(f"{text!r} is not valid for {format_qname or 'xs:decimal'}: "), message
        assert expected.reason in message
    else:
        value = to_decimal(text, format_qname)
        assert (type(value), value.as_tuple()) == (Decimal, Decimal(expected).as_tuple())


def test_the_message_reads_on_its_own() -> None:
    with pytest.raises(ValueError) as raised:
        to_decimal("fifty\u00a0", "ixt-sec:numwordsen")
    assert str(raised.value) == "'fifty\\xa0' is not valid for ixt-sec:numwordsen: a non-breaking space is not trimmed"


# In no registry (num-word-en), not numeric here (durwordsen, numinf: xs:float INF), or not implemented.
@pytest.mark.parametrize("format_qname", ["ixt:num-word-en", "ixt-sec:durwordsen", "ixt-sec:numinf", "ixt:numdash",
                                          "ixt:numcomma", "ixt:numunitdecimal", "ixt:num-dot-decimal-apos",
                                          "ixt:date-day-month-year", "ixt:numdotdecimals"])
def test_other_formats_are_unknown_and_rejected(format_qname: str) -> None:
    with pytest.raises(ValueError, match=f"^unsupported inline XBRL format {format_qname}$"):
        to_decimal("1", format_qname)

"""Inline XBRL numeric transformations: the rule an `ix:nonFraction format="prefix:local"` names.

`to_decimal(text, format)` turns the displayed text into its exact `xs:decimal` value, before scale and sign, or
raises ValueError saying why the rule rejects the text (or that no rule of that name is implemented). Each
rule accepts exactly the input type its registry documents:

- TR1, Inline XBRL Transformations 1.0 (REC 2010-04-20, errata to 2011-08-17; namespace
  http://www.xbrl.org/inlineXBRL/transformation/2010-04-20): `numcommadot`, `numdotcomma`, `numspacedot`,
  `numspacecomma`. One to three digits, then groups of exactly three, each after one separator (comma; dot; space
  or non-breaking space), then optionally the decimal mark and one or more digits.
- TR2, XII Transformation Registry 2 (REC 2011-07-31, errata to 2019-04-17; .../transformation/2011-07-31), kept
  unchanged for these rules by TR3 (REC 2015-02-26, errata to 2019-04-17; .../transformation/2015-02-26):
  `numdotdecimal` (separators comma, space, non-breaking space) and `numcommadecimal` (dot, space, non-breaking
  space), as TR1 except that the separator before a group of three may be left out; `zerodash`, one of the twelve
  dashes in `_DASHES` and nothing else.
- TR4, Transformation Rules Registry 4 (REC 2020-02-12; .../transformation/2020-02-12), kept unchanged for these
  rules by TR5 (REC 2022-02-16; .../transformation/2022-02-16): `num-dot-decimal`, input pattern
  `[, &#xA0;0-9]*(\\.[ &#xA0;0-9]+)?`, and `num-comma-decimal`, `[. &#xA0;0-9]*(,[ &#xA0;0-9]+)?`: separators
  anywhere, no groups of three, at least one digit; `fixed-zero`, any text at all.
- SEC Inline XBRL Transformation Registry (http://www.sec.gov/inlineXBRL/transformation/2015-08-31):
  `numwordsen`, per ixt-sec-numwordsen.xml, `numwordsenType` in inlinexbrl-sec-transformation.xsd and the
  registry's test cases (transform/conf/tests.xml), as the SEC publishes them in github.com/Arelle/EDGAR.
  English number words in short-scale notation, up to quintillion; "zero", "no", "none" and "nil" alone are 0;
  only a word's first letter may be a capital ("and" is lower case); units join tens by a space or one of
  `_DASHES`; "and" may come only after "hundred" or "thousand", before what is below a hundred; a comma may follow
  only thousand, million and the larger scales. The pattern, not the annotation beside it, sets the reach (that
  says 999,999,999,999) and where "and" goes (the registry's prose allows it before any sub-hundred words). Where
  the schema 1.0 pattern is looser than what the annotation says it means, this follows the meaning: a scale word
  needs a separator after it, and no comma or non-breaking space may end the text.

The XII input types are taken as Arelle's arelle/FunctionIxt.py reproduces them, the XII documents themselves being
out of reach when this was written; the SEC rule is taken from the SEC's own files.

The input types collapse whitespace (`xs:whiteSpace="collapse"`): tab, CR and LF become spaces, runs of spaces one
space, and spaces at the ends go. Nothing else is whitespace: a non-breaking space stays where the text has it.

No local name has two grammars (TR3 kept TR2's, TR4 renamed the rules it redefined and TR5 kept TR4's), so the
local name alone selects the grammar and the prefix is not resolved to a registry namespace.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Callable

_NBSP = "\u00a0"
_DASHES = frozenset("-\u058a\u05be\u2010\u2011\u2012\u2013\u2014\u2015\ufe58\ufe63\uff0d")
_DIGITS = frozenset("0123456789")
_XS_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_NAMES = {",": "a comma", ".": "a dot", " ": "a space", _NBSP: "a non-breaking space"}


class _Invalid(Exception):
    """Why a rule rejects a text; `to_decimal` adds the text and the rule."""


@dataclass(frozen=True)
class _Number:
    separators: str          # what may stand between the digits before the decimal mark
    mark: str                # the decimal mark
    grouping: str            # "threes": a separator before each group of three (TR1); "threes or none": the
                             # separator may be left out (TR2/TR3); "none": separators anywhere (TR4/TR5)
    fraction_separators: str = ""  # what may stand between the digits after it


_NUMBERS = {
    "numcommadot": _Number(",", ".", "threes"),
    "numdotcomma": _Number(".", ",", "threes"),
    "numspacedot": _Number(" " + _NBSP, ".", "threes"),
    "numspacecomma": _Number(" " + _NBSP, ",", "threes"),
    "numdotdecimal": _Number(", " + _NBSP, ".", "threes or none"),
    "numcommadecimal": _Number(". " + _NBSP, ",", "threes or none"),
    "num-dot-decimal": _Number(", " + _NBSP, ".", "none", fraction_separators=" " + _NBSP),
    "num-comma-decimal": _Number(". " + _NBSP, ",", "none", fraction_separators=" " + _NBSP),
}


def _collapse(text: str) -> str:
    """xs:whiteSpace="collapse", whose whitespace is space, tab, CR and LF only."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip(" ")


def _trimmed(text: str) -> None:
    if not text:
        raise _Invalid("it is empty")
    if text[0] == _NBSP or text[-1] == _NBSP:
        raise _Invalid("a non-breaking space is not trimmed")


def _names(characters: str) -> str:
    names = [_NAMES[c] for c in characters]
    return " or ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " or " + names[-1]


def _number(rule: _Number, text: str) -> str:
    if rule.grouping != "none":
        _trimmed(text)
    elif not text:
        raise _Invalid("it is empty")
    integer, mark, fraction = text.partition(rule.mark)
    if rule.mark in fraction:
        raise _Invalid(f"it has more than one decimal mark {rule.mark!r}")
    for char in integer:
        if char not in _DIGITS and char not in rule.separators:
            raise _Invalid(f"{char!r} is neither a digit nor {_names(rule.separators)}")
    for char in fraction:
        if char not in _DIGITS and char not in rule.fraction_separators:
            allowed = "digits, spaces and non-breaking spaces" if rule.fraction_separators else "digits"
            raise _Invalid(f"only {allowed} may follow the decimal mark, not {char!r}")
    if mark and not fraction:
        raise _Invalid("nothing follows the decimal mark")
    if rule.grouping == "none":
        if not _DIGITS.intersection(text):
            raise _Invalid("it has no digits")
    else:
        if not integer:
            raise _Invalid("it must start with a digit")
        groups = re.split(f"[{re.escape(rule.separators)}]", integer)
        if "" in groups:
            raise _Invalid(f"{_names(rule.separators)} must stand between two digits")
        if rule.grouping == "threes" and (len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
            raise _Invalid(f"digits must be grouped in threes by {_names(rule.separators)}")
        if any(len(g) % 3 for g in groups[1:]):
            raise _Invalid("digits after a group separator must come in threes")
    keep = _DIGITS | {rule.mark}
    return "".join(c for c in text if c in keep).replace(rule.mark, ".")


def _zero_dash(text: str) -> str:
    _trimmed(text)
    if len(text) > 1 and _DASHES.issuperset(text):
        raise _Invalid("it must be a single dash")
    if text not in _DASHES:
        raise _Invalid("it is not one of the dashes the rule accepts")
    return "0"


def _xs_decimal(text: str) -> str:
    _trimmed(text)
    if not _XS_DECIMAL.fullmatch(text):
        raise _Invalid("it must be digits with an optional sign and decimal point")
    return text


_BELOW_TWENTY = {word: n for n, word in enumerate(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen".split(), start=1)}
_UNITS = {word: n for word, n in _BELOW_TWENTY.items() if n < 10}
_TENS = {word: n for n, word in zip(range(20, 100, 10),
                                     "twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"quintillion": 10**18, "quadrillion": 10**15, "trillion": 10**12, "billion": 10**9, "million": 10**6}
_ZERO = frozenset({"zero", "no", "none", "nil"})
_VOCABULARY = frozenset({*_BELOW_TWENTY, *_TENS, *_SCALES, *_ZERO, "hundred", "thousand", "and"})
_PIECE = re.compile(rf"(?P<word>[A-Za-z]+)|(?P<gap>[ {_NBSP},{re.escape(''.join(_DASHES))}]+)")
_COMMA_PLACES = "a comma may only follow thousand, million, billion, trillion, quadrillion or quintillion"
_DASH_PLACES = "a dash may only join tens and units, as in 'fifty-one'"


def _word(raw: str) -> str:
    word = raw if raw.lower() == "and" else raw[0].lower() + raw[1:]
    if word in _VOCABULARY:
        return word
    if raw.lower() in _VOCABULARY:
        raise _Invalid(f"{raw!r} must be lower case" + ("" if raw.lower() == "and" else " after its first letter"))
    raise _Invalid(f"{raw!r} is not an English number word")


def _join(gap: str) -> str:
    """The separator between two words: "space", "comma" or "dash"."""
    bare = gap.replace(" ", "").replace(_NBSP, "")
    if not bare:
        return "space"
    if bare == ",":
        return "comma"
    if bare in _DASHES:
        if gap != bare:
            raise _Invalid("a dash must join two words without spaces, as in 'fifty-one'")
        return "dash"
    raise _Invalid(f"{bare!r} may not stand between two words")


class _Words:
    """Recursive descent over the numwordsen grammar; each method reads one production and returns its value."""

    def __init__(self, text: str) -> None:
        self.words: list[str] = []
        self.joins: list[str] = []  # joins[i - 1] stands between words[i - 1] and words[i]
        position = 0
        for piece in _PIECE.finditer(text):
            if piece.start() != position:
                break
            position = piece.end()
            if piece["word"]:
                self.words.append(_word(piece["word"]))
            elif not self.words:
                raise _Invalid(f"it starts with {piece['gap']!r}")
            elif position == len(text):
                raise _Invalid(f"it ends with {piece['gap'].strip()!r}")
            else:
                self.joins.append(_join(piece["gap"]))
        if position != len(text):
            raise _Invalid(f"{text[position]!r} may not appear in number words")
        self.at = 0

    def value(self) -> int:
        zero = next((word for word in self.words if word in _ZERO), None)
        if zero:
            if len(self.words) > 1:
                raise _Invalid(f"{zero!r} must stand alone")
            return 0
        total, smallest = 0, None
        while True:
            group = self._group()
            scale = self._peek()
            if scale is None:
                return total + group
            if scale == "thousand":
                self._take({"space"})
                total += group * 1000
                self._end("thousand", only_scales=True)
                if self._peek() is not None:
                    if self._peek() == "and":
                        self._take({"space", "comma"})
                        self._expect({"space"})
                        total += self._below_hundred()
                    else:
                        self._expect({"space", "comma"})
                        total += self._group()
                    self._end("thousand")
                return total
            if scale in _SCALES and smallest is not None and _SCALES[scale] >= _SCALES[smallest]:
                raise _Invalid(f"{scale!r} may not come after {smallest!r}")
            if scale not in _SCALES:
                self._unexpected()
            self._take({"space"})
            total, smallest = total + group * _SCALES[scale], scale
            if self._peek() is None:
                return total
            self._expect({"space", "comma"})

    def _group(self) -> int:
        """1 to 1999: "nineteen hundred and ninety-nine", "twelve", "forty-two"."""
        word = self._peek()
        if word not in _BELOW_TWENTY or self._peek(1) != "hundred":
            return self._below_hundred()
        self._take(None)
        self._take({"space"})
        value = _BELOW_TWENTY[word] * 100
        following = self._peek()
        if following is None or self._join_before() != "space" or not (
                following == "and" or following in _BELOW_TWENTY or following in _TENS):
            return value
        if following == "and":
            self._take({"space"})
            self._expect({"space"})
        return value + self._below_hundred()

    def _below_hundred(self) -> int:
        word = self._peek()
        if word in _BELOW_TWENTY:
            self._take(None)
            return _BELOW_TWENTY[word]
        if word not in _TENS:
            self._unexpected()
        self._take(None)
        unit = self._peek()
        if unit in _UNITS and self._join_before() in ("space", "dash"):
            self._take(None)
            return _TENS[word] + _UNITS[unit]
        return _TENS[word]

    def _peek(self, ahead: int = 0) -> str | None:
        at = self.at + ahead
        return self.words[at] if at < len(self.words) else None

    def _join_before(self) -> str:
        return self.joins[self.at - 1]

    def _expect(self, joins: set[str]) -> None:
        """There is a next word, and what separates it from the last one is among `joins`."""
        if self._peek() is None:
            raise _Invalid(f"it may not end with {self.words[-1]!r}")
        join = self._join_before() if self.at else "space"
        if join not in joins:
            raise _Invalid(_COMMA_PLACES if join == "comma" else _DASH_PLACES)

    def _take(self, joins: set[str] | None) -> None:
        if joins is not None:
            self._expect(joins)
        self.at += 1

    def _end(self, after: str, only_scales: bool = False) -> None:
        """Nothing follows; or, `only_scales`, at least no scale word."""
        word = self._peek()
        if word in _SCALES or word == "thousand":
            raise _Invalid(f"{word!r} may not come after {after!r}")
        if word is not None and not only_scales:
            self._unexpected()

    def _unexpected(self) -> None:
        word = self._peek()
        self._expect({"space"})
        before = self.words[max(self.at - 2, 0):self.at]
        if word == "and":
            raise _Invalid("'and' may only follow 'hundred' or 'thousand', before a number below one hundred")
        if word == "hundred" and "and" in before:
            raise _Invalid("after 'and' only a number below one hundred may follow")
        if word == "hundred" and (not before or before[-1] not in _BELOW_TWENTY or before[0] in _TENS):
            raise _Invalid("'hundred' must follow a number from one to nineteen")
        if not before:
            raise _Invalid(f"it may not start with {word!r}")
        raise _Invalid(f"{word!r} may not follow {before[-1]!r}")


def _number_words(text: str) -> str:
    _trimmed(text)
    return str(_Words(text).value())


_RULES: dict[str, Callable[[str], str]] = {
    **{name: partial(_number, rule) for name, rule in _NUMBERS.items()},
    "zerodash": _zero_dash,
    "fixed-zero": lambda text: "0",
    "numwordsen": _number_words,
}


def to_decimal(text: str, format_qname: str | None) -> Decimal:
    """Apply the rule `format_qname` names (no format: xs:decimal) to the displayed `text`, keeping every digit.

    Raises ValueError, with a reason that reads on its own, for an unknown format or text the rule does not accept.
    """
    if format_qname:
        rule = _RULES.get(format_qname.rpartition(":")[2])
        if rule is None:
            raise ValueError(f"unsupported inline XBRL format {format_qname}")
    else:
        rule = _xs_decimal
    try:
        return Decimal(rule(_collapse(text)))
    except _Invalid as reason:
        raise ValueError(f"{text!r} is not valid for {format_qname or 'xs:decimal'}: {reason}") from None

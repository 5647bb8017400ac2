"""The fact model: frozen dataclasses for concepts, facts and filings.

These are the types every reader returns and every later stage (datasets,
benchmarks) consumes. Numeric values are `Decimal`, never float.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Iterator, Literal, Union

INF: Final = "INF"
"""The XBRL `decimals="INF"` value: the fact is exact. Kept as INF, never 0."""

Decimals = Union[int, Literal["INF"], None]
PeriodType = Literal["instant", "duration", "forever"]


@dataclass(frozen=True, order=True)
class QName:
    """A namespace-qualified concept name, e.g. `us-gaap:NetIncomeLoss`."""

    prefix: str
    namespace: str
    local_name: str

    def __str__(self) -> str:
        return f"{self.prefix}:{self.local_name}" if self.prefix else self.local_name


@dataclass(frozen=True)
class Context:
    """An XBRL context as facts use it: period as calendar dates, and sorted dimensions."""

    id: str
    period_type: PeriodType
    start_date: dt.date | None
    end_date: dt.date | None
    dimensions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Fact:
    """One fact as filed, with its context and unit resolved."""

    concept: QName
    value: str
    """Lexical value exactly as filed (for inline XBRL: the displayed text)."""
    numeric: Decimal | None
    """Numeric value after inline format, scale and sign; None for text and nil facts."""
    decimals: Decimals
    unit: str | None
    period_type: PeriodType
    start_date: dt.date | None
    end_date: dt.date | None
    """Calendar end date (instant date for instants); None for forever."""
    dimensions: tuple[tuple[str, str], ...]
    """Sorted (axis, member) pairs; a typed member is its text content."""
    context_id: str
    fact_id: str | None
    is_nil: bool
    scale: int | None = None
    sign: str | None = None
    line: int | None = None
    """Source line in the instance, for error messages and traceability."""

    @property
    def is_numeric(self) -> bool:
        return self.unit is not None

    @property
    def is_exact(self) -> bool:
        """`decimals="INF"`: the value is exact."""
        return self.decimals == INF

    @property
    def ref(self) -> str:
        """A reference to this fact within its filing: its id, or concept@context when it has none."""
        return self.fact_id or f"{self.concept}@{self.context_id}"

    def aspect_key(self) -> tuple:
        """The fact's aspects: two facts with the same key are duplicates."""
        return (self.concept, self.period_type, self.start_date, self.end_date, self.dimensions, self.unit)


@dataclass(frozen=True)
class CalculationArc:
    """One summation-item arc of the calculation linkbase."""

    parent: str
    child: str
    weight: Decimal
    role: str


@dataclass(frozen=True)
class Dts:
    """What only a loaded taxonomy (DTS) gives: labels, concept types, calculations."""

    labels: dict[str, str] = field(default_factory=dict)
    balance: dict[str, str] = field(default_factory=dict)
    period_types: dict[str, str] = field(default_factory=dict)
    calculations: tuple[CalculationArc, ...] = ()


@dataclass(frozen=True)
class RejectedFact:
    """A fact present in the instance that a reader could not give a value."""

    concept: str
    context_id: str
    line: int | None
    reason: str

    def describe(self) -> str:
        """One line: `concept (context) line N: reason`."""
        return f"{self.concept} ({self.context_id}) line {self.line}: {self.reason}"


@dataclass(frozen=True)
class DocumentInfo:
    """What the dei (Document and Entity Information) facts say about the filing."""

    entity_name: str | None
    cik: str | None
    ticker: str | None
    form_type: str | None
    fiscal_year_focus: int | None
    fiscal_period_focus: str | None
    period_end_date: dt.date | None
    us_gaap_year: int | None


@dataclass(frozen=True)
class Filing(DocumentInfo):
    """A loaded filing: its document information plus all its facts, in document order."""

    path: str
    reader: str
    facts: tuple[Fact, ...]
    rejected: tuple[RejectedFact, ...] = ()
    dts: Dts | None = None
    calculations: tuple[CalculationArc, ...] = ()
    """Summation arcs: the DTS's (arelle reader), or those of the calculation linkbases beside the instance (fast
    reader, when loaded with `calculations=True`)."""

    def __iter__(self) -> Iterator[Fact]:
        return iter(self.facts)

    def __len__(self) -> int:
        return len(self.facts)

    def to_pandas(self):
        """The facts as a pyarrow-backed pandas DataFrame (see `xbrlkit.table`)."""
        from xbrlkit.table import to_pandas

        return to_pandas(self.facts)

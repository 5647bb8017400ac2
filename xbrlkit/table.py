"""The fact table: pyarrow schema, pandas DataFrame, and parquet/csv/jsonl output.

Numbers stay exact end to end: the `numeric` column is an Arrow decimal wide
enough for every value of the filing, CSV and JSONL carry it as text, and
`decimals` is an integer column with a separate `decimals_inf` flag so INF is
never confused with 0. Arrow decimals hold at most 76 digits: a filing with a
longer value gets a `numeric` column of exact decimal strings instead (the
schema's metadata says so), and a `decimals` beyond 32 bits is an error for
parquet (CSV and JSONL keep it).
"""
from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Literal, Sequence, TextIO

import pyarrow as pa

from finlora_common.atomic import atomic_path
from xbrlkit.errors import XbrlError

if TYPE_CHECKING:
    from xbrlkit.model import Fact  # the model imports this module for Filing.to_pandas

Format = Literal["parquet", "csv", "jsonl"]
COLUMNS = (
    "concept", "prefix", "namespace", "local_name", "value", "numeric", "decimals", "decimals_inf", "unit",
    "period_type", "start_date", "end_date", "dimensions", "context_id", "fact_id", "is_nil", "scale", "sign", "line",
)


def record(fact: Fact) -> dict:
    """One fact as a JSON-safe dict (numbers as exact decimal strings)."""
    return {
        "concept": str(fact.concept),
        "prefix": fact.concept.prefix,
        "namespace": fact.concept.namespace,
        "local_name": fact.concept.local_name,
        "value": fact.value,
        "numeric": format(fact.numeric, "f") if fact.numeric is not None else None,
        "decimals": None if fact.is_exact else fact.decimals,
        "decimals_inf": fact.is_exact,
        "unit": fact.unit,
        "period_type": fact.period_type,
        "start_date": fact.start_date.isoformat() if fact.start_date else None,
        "end_date": fact.end_date.isoformat() if fact.end_date else None,
        "dimensions": [list(pair) for pair in fact.dimensions],
        "context_id": fact.context_id,
        "fact_id": fact.fact_id,
        "is_nil": fact.is_nil,
        "scale": fact.scale,
        "sign": fact.sign,
        "line": fact.line,
    }


_ARROW_DIGITS = 76
_INT32 = 2**31


def _decimal_type(values: Sequence[Decimal]) -> pa.DataType:
    """The narrowest Arrow decimal type holding every value exactly; strings when none does."""
    scale = max((max(0, -v.as_tuple().exponent) for v in values if v.is_finite()), default=0)
    integer_digits = max((len(v.as_tuple().digits) + v.as_tuple().exponent for v in values if v.is_finite()), default=1)
    precision = max(1, integer_digits) + scale
    if precision <= 38:
        return pa.decimal128(precision, scale)
    return pa.decimal256(precision, scale) if precision <= _ARROW_DIGITS else pa.string()


def _check_decimals(facts: Sequence[Fact]) -> None:
    for fact in facts:
        if isinstance(fact.decimals, int) and not -_INT32 <= fact.decimals < _INT32:
            raise XbrlError(f"fact {fact.concept} line {fact.line}: decimals {fact.decimals} does not fit parquet's "
                            "32-bit decimals column", hint="write csv or jsonl, which keep it")


def to_arrow(facts: Iterable[Fact]) -> pa.Table:
    facts = list(facts)
    _check_decimals(facts)
    numeric_type = _decimal_type([f.numeric for f in facts if f.numeric is not None])
    as_text = numeric_type == pa.string()
    schema = pa.schema([
        ("concept", pa.string()), ("prefix", pa.string()), ("namespace", pa.string()), ("local_name", pa.string()),
        ("value", pa.string()), ("numeric", numeric_type), ("decimals", pa.int32()),
        ("decimals_inf", pa.bool_()), ("unit", pa.string()), ("period_type", pa.string()),
        ("start_date", pa.date32()), ("end_date", pa.date32()),
        ("dimensions", pa.list_(pa.struct([("axis", pa.string()), ("member", pa.string())]))),
        ("context_id", pa.string()), ("fact_id", pa.string()), ("is_nil", pa.bool_()), ("scale", pa.int16()),
        ("sign", pa.string()), ("line", pa.int64()),
    ], metadata={"numeric": "exact decimal strings: a value has more than 76 digits"} if as_text else None)
    columns = {name: [] for name in COLUMNS}
    for fact in facts:
        row = record(fact)
        number = fact.numeric if fact.numeric is not None and fact.numeric.is_finite() else None
        row.update(numeric=format(number, "f") if as_text and number is not None else number,
                   start_date=fact.start_date, end_date=fact.end_date,
                   dimensions=[{"axis": a, "member": m} for a, m in fact.dimensions])
        for name in COLUMNS:
            columns[name].append(row[name])
    return pa.Table.from_pydict(columns, schema=schema)


def to_pandas(facts: Iterable[Fact]):
    """The facts as a pandas DataFrame with pyarrow-backed columns (Decimal values stay exact)."""
    import pandas as pd

    return to_arrow(facts).to_pandas(types_mapper=pd.ArrowDtype)


def write(facts: Iterable[Fact], target: str | Path, fmt: Format) -> None:
    """Write the fact table to `target` atomically: a failed write leaves no file behind."""
    facts = list(facts)
    with atomic_path(target) as tmp:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(to_arrow(facts), tmp)
        else:
            with tmp.open("w", encoding="utf-8", newline="") as out:
                write_text(facts, out, fmt)


def write_text(facts: Iterable[Fact], out: TextIO, fmt: Format) -> None:
    """Write the facts as JSON lines or CSV (dimensions as a JSON list) to an open text stream."""
    if fmt == "jsonl":
        for fact in facts:
            out.write(json.dumps(record(fact), ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for fact in facts:
            row = record(fact)
            row["dimensions"] = json.dumps(row["dimensions"], ensure_ascii=False)
            writer.writerow(row)
    else:
        raise ValueError(f"unknown text format {fmt!r}: use csv or jsonl")

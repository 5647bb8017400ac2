"""Headline questions from the gold commodity-headline file, and the fixed split of its headlines that keeps the
evaluation's headlines out of training.

FinGPT/fingpt-headline-cls asks yes/no questions about each headline of the gold file (Sinha and Khandait); its test
split is drawn from the same headlines, so training on the file and evaluating on that split would leak. Here a
headline belongs to the test part when the SHA-256 of its normalised text (lower case, single spaces) is 0 modulo
TEST_EVERY, about a fifth of the headlines, the same in every process. The registry's Headline dataset falls back to
the test part (where the reference's test file is absent), and finlora-train's headline category trains on the train
part only; tests/train/test_data.py checks that no headline of the evaluation is in the training rows.

The questions, one row per (headline, question), are data: finlora_eval/headline.yaml.
"""
from __future__ import annotations

import csv
import hashlib
from functools import cache
from pathlib import Path
from typing import Literal

from finlora_common.errors import UserError
from finlora_common.prompt import layout
from finlora_common.yamlfile import read_yaml
from finlora_eval.errors import EvalError

TEST_EVERY = 5
QUESTIONS = Path(__file__).with_name("headline.yaml")
Part = Literal["train", "test"]


@cache
def _questions() -> dict:
    return read_yaml(QUESTIONS, EvalError)


def is_test_headline(headline: str) -> bool:
    digest = hashlib.sha256(" ".join(headline.lower().split()).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % TEST_EVERY == 0


def rows(path: Path, part: Part, error: type[UserError] = EvalError) -> list[dict[str, str]]:
    """The {context, target} rows of one part of the gold file, in file order."""
    config = _questions()
    columns = {q[key] for q in config["questions"] for key in ("column", "if_yes", "if_no") if key in q}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            table = list(csv.DictReader(handle, delimiter="\t"))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise error(f"cannot read the headline table: {exc}", path) from None
    found = []
    for number, row in enumerate(table, start=2):
        cells = {column: row.get(column) for column in columns | {config["text_column"]}}
        if None in cells.values():
            absent = sorted(column for column, value in cells.items() if value is None)
            raise error(f"row {number}: no value in column {absent[0]!r}", path)
        headline = cells[config["text_column"]].strip()
        if is_test_headline(headline) != (part == "test"):
            continue
        yes = {column: cells[column].strip() not in config["no_values"] for column in columns}
        for question in config["questions"]:
            if "if_yes" in question and not yes[question["if_yes"]] or "if_no" in question and yes[question["if_no"]]:
                continue
            found.append({"context": layout(question["question"] + config["choices"], headline),
                          "target": "Yes" if yes[question["column"]] else "No"})
    return found

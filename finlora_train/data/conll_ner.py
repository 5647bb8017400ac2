"""CoNLL NER sentences as entity-type rows: one prompt per entity mention, instruction and option order seeded."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from finlora_common.prompt import layout
from finlora_train.data.files import Row, data_file, read_text
from finlora_train.data.options import DataOptions
from finlora_train.errors import TrainError

Token = tuple[str, str]
"""(word, IOB tag such as I-ORG)."""


def sentences(path: Path) -> list[list[Token]]:
    """`word POS chunk tag` lines; blank lines end sentences; -DOCSTART- lines are skipped."""
    found: list[list[Token]] = [[]]
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        fields = line.split()
        if not fields:
            found.append([])
        elif fields[0] != "-DOCSTART-":
            if len(fields) < 2:
                raise TrainError(f"line {number}: not `word ... tag`", path)
            found[-1].append((fields[0], fields[-1]))
    return [sentence for sentence in found if sentence]


def mentions(sentence: list[Token]) -> list[tuple[str, str]]:
    """(entity words, type) of each run of tokens with the same type; B- starts a new run."""
    runs: list[tuple[list[str], str]] = []
    previous = "O"
    for word, tag in sentence:
        kind = tag.partition("-")[2]
        if tag != "O" and kind == previous.partition("-")[2] and not tag.startswith("B-"):
            runs[-1][0].append(word)
        elif tag != "O":
            runs.append(([word], kind))
        previous = tag
    return [(" ".join(words), kind) for words, kind in runs]


def build(params: dict[str, Any], options: DataOptions) -> list[Row]:
    labels, choices, instructions = params["labels"], params["options"], params["instructions"]
    rng = random.Random(options.seed)
    rows = []
    for sentence in sentences(data_file(options, params["path"])):
        text = " ".join(word for word, _ in sentence)
        for entity, kind in mentions(sentence):
            if kind in labels:
                instruction = rng.choice(instructions).format(entity=entity)
                rows.append({"context": layout(instruction, text, rng.sample(choices, len(choices))),
                             "target": labels[kind]})
    return rows

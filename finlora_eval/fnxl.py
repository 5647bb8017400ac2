"""FNXL test prompts, rebuilt from the FNXL sample CSV by the reference benchmark's rule.

Each CSV row holds a sentence and a Python-literal dict `{us-gaap tag: [numerals]}`.
Every tag with at least one numeral becomes one question about its first numeral;
the questions, in file order, are grouped four to a prompt. Each prompt starts
with the instruction and the option list (every tag of the file, sorted, without
the `us-gaap:` prefix) and ends with the answer cue; its target is the prompt's
tags, comma-separated, without the prefix. On the published test sample this
gives 247 prompts.
"""
from __future__ import annotations

import ast
import csv
from pathlib import Path

from finlora_eval.errors import EvalError

QUESTIONS_PER_PROMPT = 4
PREFIX = "us-gaap:"
INSTRUCTION = ("You are XBRL expert. Choose the best XBRL US GAAP tag for each highlighted entity in the sentences "
               "below. Provide only the US GAAP tags, comma-separated, in the order of the sentences and highlighted "
               "entity. Provide nothing else\n")
CUE = "\nOutput US GAAP tags:"


def _questions(path: Path) -> list[tuple[str, str]]:
    """(question, tag) pairs in file order."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EvalError(f"cannot read FNXL CSV: {exc}", path) from None
    questions = []
    for line, row in enumerate(rows, start=2):
        try:
            tags = ast.literal_eval(row["numerals-tags"])
        except (KeyError, SyntaxError, ValueError) as exc:
            raise EvalError(f"row {line}: numerals-tags is not a dict literal ({exc})", path) from None
        if not isinstance(tags, dict):
            raise EvalError(f"row {line}: numerals-tags is not a dict literal", path)
        for tag, numerals in tags.items():
            if numerals:
                questions.append((f'What is the best us gaap tag for entity "{numerals[0]}" in sentence: '
                                  f'"{row["sentence"]}"?', tag))
    if not questions:
        raise EvalError("no tagged numerals in the FNXL CSV", path)
    return questions


def prompts(path: Path) -> list[dict[str, str]]:
    """The FNXL test set as reference-format rows `{"context", "target"}`."""
    questions = _questions(path)
    options = ", ".join(sorted({tag for _, tag in questions}))
    # The reference removes double spaces and the prefix from the header only, not from the questions.
    header = (INSTRUCTION + options + "\n").replace("  ", "").replace(PREFIX, "")
    rows = []
    for start in range(0, len(questions), QUESTIONS_PER_PROMPT):
        group = questions[start:start + QUESTIONS_PER_PROMPT]
        context = header + "".join(question + "\n" for question, _ in group) + CUE
        rows.append({"context": context, "target": ",".join(tag for _, tag in group).replace(PREFIX, "")})
    return rows

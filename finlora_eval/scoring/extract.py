"""Answers of the forgetting checks, which are not benchmark datasets: MMLU's letter (`choice`) and GSM8K's final
number (`final_number`), taken from the model's output alone.

The benchmark has no rule for these, and its substring rule cannot score them: every output holds an `a`, and a
prompt that lists the choices holds every letter. So the two scorers extract as lm-evaluation-harness does:

- reference (lenient, lm-eval's flexible extract): the first standalone capital A-D after the last `Answer:`; the
  last number of the output.
- strict: the first non-empty line after the last `Answer:` starts with the letter alone (`B`, `B.`, `(B)`, `B)`,
  `B: text`); the number after the last `####`, as the prompt asks (lm-eval's strict match).

An answer that is not found is the empty string, which no target equals.
"""
from __future__ import annotations

import re

from finlora_eval.scoring.reference import CUE

ANSWERS = ("choice", "final_number")
_LETTER = re.compile(r"\b([A-D])\b")
_STRICT_LETTER = re.compile(r"\(?([A-D])(?:[).:]|\s|$)")
_NUMBER = re.compile(r"-?\$?\d[\d,]*(?:\.\d+)?")
_FINAL = re.compile(r"####\s*(-?\$?\d[\d,]*(?:\.\d+)?)")


def letter(output: str, strict: bool) -> str:
    text = output.split(CUE)[-1]
    if strict:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        found = _STRICT_LETTER.match(lines[0]) if lines else None
    else:
        found = _LETTER.search(text)
    return found.group(1) if found else ""


def final_number(output: str, strict: bool) -> str:
    """The number as written (thousands separators and `$` allowed: strict.parse_number reads it)."""
    if strict:
        finals = _FINAL.findall(output)
        return finals[-1] if finals else ""
    numbers = _NUMBER.findall(output)
    return numbers[-1].rstrip(",") if numbers else ""


def answer(kind: str, output: str, strict: bool) -> str:
    return letter(output, strict) if kind == "choice" else final_number(output, strict)

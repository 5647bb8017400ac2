"""The `finlora` dataset format, agreed here once for xbrlkit (which writes it) and finlora_eval and finlora_train
(which read it): `{context, target}` JSON Lines, the reference benchmark's prompt, and where a build puts the files.

    <build>/finlora/<task>_<split>.jsonl    task: tags, values, formula_construction, formula_calculation
"""
from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from finlora_common.errors import UserError
from finlora_common.jsonl import read_jsonl, write_jsonl
from finlora_common.yamlfile import read_yaml
from xbrlkit.datasets.questions import Example
from xbrlkit.errors import XbrlError

FOLDER = "finlora"
KEYS = ("context", "target")


def relative_path(task: str, split: str) -> str:
    """Where a task's split lies inside a build folder."""
    return f"{FOLDER}/{task}_{split}.jsonl"


def path(build: Path, task: str, split: str) -> Path:
    return build / relative_path(task, split)


@cache
def _prompts() -> dict:
    return read_yaml(Path(str(files("xbrlkit.datasets.catalog").joinpath("prompts.yaml"))), XbrlError)


def prompt(example: Example) -> str:
    """The reference-format prompt: instruction, one worked example, the XML facts, the question."""
    prompts = _prompts()
    shot = prompts["examples"][example.task]
    return (f"{prompts['instruction']}\nExample:\nQuestion: {shot['question']}\nAnswer: {shot['answer']}\n\n"
            f"XML File:\n{example.context}\n\nQuestion: {example.question}\nAnswer:")


def write(examples: list[Example], target: Path) -> None:
    write_jsonl(({"context": prompt(e), "target": e.finlora_target} for e in examples), target, KEYS)


def read(target: Path, error: type[UserError] = XbrlError) -> list[dict]:
    """The rows of a `{context, target}` file (extra keys kept); a line that is not an object with string context and
    target is `error` naming the file and line."""
    return read_jsonl(target, dict.fromkeys(KEYS, str), error)

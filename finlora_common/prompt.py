"""The reference's classification prompt layout, and the text a training row must not share with a test row."""
from __future__ import annotations

import re

INPUT = re.compile(r"^Instruction: .*?\nInput: (.*)\nAnswer: ?$", re.S)


def layout(instruction: str, text: str, options: list[str] | None = None) -> str:
    """`Instruction: …\\n[Options: …\\n]Input: …\\nAnswer: `, as in fpb/fiqa/tfns/ner_test.jsonl."""
    listed = f"Options: {', '.join(options)}\n" if options else ""
    return f"Instruction: {instruction}\n{listed}Input: {text}\nAnswer: "


def overlap_key(context: str) -> str:
    """The Input text of a reference-layout prompt, else the whole prompt, whitespace-normalised."""
    match = INPUT.match(context)
    return " ".join((match.group(1) if match else context).split())

"""The forgetting checks' prompts: records of MMLU (cais/mmlu) and GSM8K (openai/gsm8k) as {context, target} rows.

They test what an adapter may have cost the base model outside finance, as the reference's MMLU and GSM8K checks
do. Both prompts are zero-shot and say how to answer, so that finlora_eval.scoring.extract can read the answer
from the output alone: a letter for MMLU, and for GSM8K the final number after `####`, the dataset's own marker.
"""
from __future__ import annotations

from collections.abc import Callable

from finlora_eval.errors import EvalError

LETTERS = ("A", "B", "C", "D")


def mmlu(record: dict) -> dict[str, str]:
    """{question, subject, choices (4 texts), answer (0-3)} -> the question with lettered choices; the letter."""
    choices = list(record["choices"])
    if len(choices) != len(LETTERS) or int(record["answer"]) not in range(len(LETTERS)):
        raise EvalError(f"an MMLU record needs 4 choices and an answer 0-3, not {len(choices)} and {record['answer']}")
    subject = str(record.get("subject") or "").replace("_", " ")
    about = f" about {subject}" if subject else ""
    listed = "".join(f"{letter}. {choice}\n" for letter, choice in zip(LETTERS, choices))
    return {"context": f"The following is a multiple choice question{about}. Reply with the letter of the correct "
                       f"choice.\n\n{record['question'].strip()}\n{listed}Answer:",
            "target": LETTERS[int(record["answer"])]}


def gsm8k(record: dict) -> dict[str, str]:
    """{question, answer (worked solution ending `#### N`)} -> the question; N without thousands separators."""
    solution = str(record["answer"])
    if "####" not in solution:
        raise EvalError(f"a GSM8K answer ends with `#### number`, not {solution[-40:]!r}")
    return {"context": f"Question: {record['question'].strip()}\nSolve it step by step, then give the final number "
                       "on its own line after ####.\nAnswer:",
            "target": solution.split("####")[-1].strip().replace(",", "")}


ROWS: dict[str, Callable[[dict], dict[str, str]]] = {"mmlu": mmlu, "gsm8k": gsm8k}

"""How many XBRL answers of a build a generation budget cuts, under SmolLM2's tokenizer (the figures of the registry's
max_new_tokens note and of docs/results/smollm2-135m-xbrl-lora.md):

    python docs/results/xbrl_budgets.py out/xbrl-company-rich-1500
"""
from __future__ import annotations

import sys
from pathlib import Path

from transformers import AutoTokenizer

from finlora_common.packaged_models import local_model
from finlora_eval.registry import load_registry
from xbrlkit.datasets import finlora_format

REFERENCE_BUDGETS = {"tags": 20, "values": 20, "formula_construction": 30, "formula_calculation": 30}


def main(build: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(local_model("smollm2-135m-instruct"))
    registry = load_registry().datasets
    for task, reference in REFERENCE_BUDGETS.items():
        lengths = [len(tokenizer(" " + row["target"]).input_ids) for split in ("train", "test")
                   for row in finlora_format.read(finlora_format.path(build, task, split))]
        print(f"{task}: longest answer {max(lengths)} tokens; reference budget {reference} cuts "
              f"{sum(n > reference for n in lengths)} of {len(lengths)}; registry budget "
              f"{registry[task].max_new_tokens} cuts {sum(n > registry[task].max_new_tokens for n in lengths)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

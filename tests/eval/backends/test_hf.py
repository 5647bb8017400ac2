"""The transformers backend on the real SmolLM2: batching, budgets, EOS, adapters, loading options."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from finlora_eval.backends import BackendOptions, create
from finlora_eval.errors import EvalError
from tests.support import MODEL


def _prompts(finlora_data: Path, name: str, count: int) -> list[str]:
    lines = (finlora_data / "test" / f"{name}_test.jsonl").read_text(encoding="utf-8").splitlines()[:count]
    return [json.loads(line)["context"] for line in lines]


def _complete(backend, prompts: list[str], max_new_tokens: int) -> list[str]:
    out = [None] * len(prompts)
    for chunk in backend.generate(prompts, max_new_tokens):
        for position, text in chunk:
            out[position] = text
    return out


def test_batches_give_the_one_by_one_answers_in_prompt_order(hf_backend, finlora_data):
    prompts = _prompts(finlora_data, "fpb", 8)
    one_by_one = [_complete(hf_backend, [prompt], 10)[0] for prompt in prompts]
    assert _complete(hf_backend, prompts, 10) == one_by_one


def test_batches_run_longest_prompts_first(hf_backend, finlora_data):
    prompts = _prompts(finlora_data, "fiqa", 10)
    lengths = [len(hf_backend.tokenizer(p)["input_ids"]) for p in prompts]
    chunks = list(hf_backend.generate(prompts, 1))
    assert [len(chunk) for chunk in chunks] == [4, 4, 2]
    order = [position for chunk in chunks for position, _ in chunk]
    assert sorted(order) == list(range(10))
    assert [lengths[i] for i in order] == sorted(lengths, reverse=True)


def test_the_token_budget_cuts_the_same_greedy_text(hf_backend, finlora_data):
    prompts = _prompts(finlora_data, "xbrl_term", 4)
    short, long = _complete(hf_backend, prompts, 3), _complete(hf_backend, prompts, 12)
    assert all(len(hf_backend.tokenizer(s, add_special_tokens=False)["input_ids"]) <= 3 for s in short)
    assert all(full.startswith(cut) for cut, full in zip(short, long))
    assert sum(len(full) > len(cut) for cut, full in zip(short, long)) == 3  # the second stops at EOS first


def test_chat_template_and_eos_stop(smollm2):
    backend = create("hf", BackendOptions(MODEL, batch_size=2, chat_template=True))
    [answer] = _complete(backend, ["Reply with one word: is the sky blue?"], 40)
    assert answer.strip() and len(backend.tokenizer(answer, add_special_tokens=False)["input_ids"]) < 40
    assert "<|im_end|>" not in answer and backend.describe()["chat_template"] is True


def test_peak_memory_is_reported(hf_backend):
    peak = hf_backend.peak_memory()
    assert peak["kind"] == "process peak RSS" and peak["mib"] > 100


def test_device_map_loading_gives_the_same_answers(hf_backend, finlora_data):
    prompts = _prompts(finlora_data, "ner", 2)
    mapped = create("hf", BackendOptions(MODEL, batch_size=4, device_map="auto"))
    assert mapped.describe()["device_map"] == "auto"
    assert _complete(mapped, prompts, 8) == _complete(hf_backend, prompts, 8)


def test_an_adapter_that_changes_nothing_fails_the_run(lora_adapters):
    with pytest.raises(EvalError, match=r"zero: the adapter changes no logit by more than 0.0001 \(largest change 0\)"):
        create("hf", BackendOptions(MODEL, adapters=(lora_adapters["zero"],)))


def test_adapters_stay_unmerged_and_switch(lora_adapters, hf_backend, finlora_data):
    backend = create("hf", BackendOptions(MODEL, adapters=(lora_adapters["trained"],)))
    prompts = _prompts(finlora_data, "fpb", 4)
    backend.use_adapter(lora_adapters["trained"])
    adapted = _complete(backend, prompts, 10)
    with backend.model.disable_adapter():
        base = _complete(backend, prompts, 10)
    assert base == _complete(hf_backend, prompts, 10) and adapted != base


def test_loading_errors_are_one_line(tmp_path):
    with pytest.raises(EvalError, match="cannot load model"):
        create("hf", BackendOptions(str(tmp_path)))
    if importlib.util.find_spec("bitsandbytes") is None:
        with pytest.raises(EvalError, match=r"8bit loading needs the package bitsandbytes"):
            create("hf", BackendOptions(MODEL, load_in="8bit"))

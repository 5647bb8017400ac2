"""The transformers backend on the real SmolLM2: batching, budgets, EOS, adapters, loading options, shared-prefix
reuse (also on a tiny random Llama)."""
from __future__ import annotations

import importlib.util
import json
import os
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


@pytest.fixture(scope="module")
def plain_backend(smollm2):
    """SmolLM2 without prefix reuse: every prompt computed whole, in left-padded batches."""
    return create("hf", BackendOptions(MODEL, batch_size=4, prefix_reuse=False))


def _shared_tokens(backend, prompts: list[str]) -> int:
    return len(os.path.commonprefix([backend.tokenizer(p)["input_ids"] for p in prompts]))


def test_prefix_reuse_gives_the_plain_outputs_token_for_token(hf_backend, plain_backend, finlora_data):
    # FPB prompts share their instruction and differ in length: every batch is padded between the shared prefix
    # and the rest; the last batch has one prompt.
    prompts = _prompts(finlora_data, "fpb", 9)
    hf_backend.reset_counters()
    reused = _complete(hf_backend, prompts, 24)
    counts = hf_backend.token_counts()
    plain_backend.reset_counters()
    assert reused == _complete(plain_backend, prompts, 24)
    given = sum(len(hf_backend.tokenizer(p)["input_ids"]) for p in prompts)
    assert counts["prompt"] == plain_backend.token_counts()["computed"] == given
    assert counts["computed"] <= given - (len(prompts) - 1) * _shared_tokens(hf_backend, prompts)
    assert _shared_tokens(hf_backend, prompts) >= 8 and hf_backend.describe()["prefix_reuse"] is True


def test_prefix_reuse_with_an_adapter_and_the_chat_template(lora_adapters, finlora_data):
    prompts = _prompts(finlora_data, "fiqa", 5)
    outputs = []
    for reuse in (True, False):
        backend = create("hf", BackendOptions(MODEL, adapters=(lora_adapters["trained"], lora_adapters["other"]),
                                              batch_size=3, chat_template=True, prefix_reuse=reuse))
        runs = []
        for adapter in lora_adapters["trained"], lora_adapters["other"]:
            backend.use_adapter(adapter)
            runs.append(_complete(backend, prompts, 12))
        with backend.model.disable_adapter():
            runs.append(_complete(backend, prompts, 12))
        outputs.append(runs)
    assert outputs[0] == outputs[1]
    assert len({tuple(run) for run in outputs[0]}) == 3  # each adapter, and the base, answers differently


def test_prompts_that_share_nothing_are_computed_whole(hf_backend):
    prompts = ["Hello, who are you?", "Name a prime number.", "What is 2 + 2?"]
    hf_backend.reset_counters()
    _complete(hf_backend, prompts, 4)
    counts = hf_backend.token_counts()
    assert counts["computed"] == counts["prompt"] == sum(len(hf_backend.tokenizer(p)["input_ids"]) for p in prompts)


def test_prefix_reuse_on_a_random_llama_extends_the_shared_prefix_per_batch(tiny_llama):
    # Two templates under one short common head, one per batch (the balance sheet prompts are the longer): each
    # batch shares more than the whole call.
    head = "Answer the question about the filing below. "
    prompts = [head + "Balance sheet: total assets are 32,390 thousand dollars. " * (4 + i) + f"Question {i}?"
               for i in range(3)]
    prompts += [head + "Income statement: revenue grew by twelve percent. " * (1 + i) + f"Question {i}?" for i in
                range(3)]
    plain = create("hf", BackendOptions(str(tiny_llama), batch_size=3, prefix_reuse=False))
    reused = create("hf", BackendOptions(str(tiny_llama), batch_size=3))
    assert _complete(reused, prompts, 16) == _complete(plain, prompts, 16)
    whole = _shared_tokens(reused, prompts)
    counts = reused.token_counts()
    assert counts["computed"] < counts["prompt"] - (len(prompts) - 1) * whole


def test_choice_logprobs_equal_one_unpadded_run_per_choice(hf_backend, finlora_data):
    """Batched after the prompts' shared prefix (here a few-shot block), each (prompt, label) pair's summed
    log-probability is that of running the pair on its own; the label's tokens start after the prompt's tokens without
    its trailing space. Without prefix reuse the values are the same."""
    import torch

    shots = "".join(f"{prompt}neutral\n\n" for prompt in _prompts(finlora_data, "fpb", 2))
    prompts = [shots + prompt for prompt in _prompts(finlora_data, "fpb", 3)[2:]]
    prompts += [shots + "Instruction: Is gold up?\nInput: Gold rallies\nAnswer: "]
    labels = ["negative", "neutral", "positive"]
    hf_backend.reset_counters()
    found = hf_backend.choice_logprobs(prompts, labels)
    counts = hf_backend.token_counts()
    assert counts["computed"] < counts["prompt"] - 4 * len(hf_backend.tokenizer(shots.rstrip())["input_ids"])
    plain = create("hf", BackendOptions(MODEL, batch_size=4, prefix_reuse=False))
    flat = [value for row in found for value in row]
    assert [value for row in plain.choice_logprobs(prompts, labels) for value in row] == pytest.approx(flat, abs=1e-4)
    tokenizer, model = hf_backend.tokenizer, hf_backend.model
    for prompt, row in zip(prompts, found):
        begin = len(tokenizer(prompt.rstrip())["input_ids"])
        for label, value in zip(labels, row):
            ids = tokenizer(prompt + label, return_tensors="pt")["input_ids"]
            with torch.inference_mode():
                logprobs = model(input_ids=ids).logits[0].float().log_softmax(-1)
            expected = sum(float(logprobs[t - 1, ids[0, t]]) for t in range(begin, ids.shape[1]))
            assert value == pytest.approx(expected, abs=1e-4)
    assert hf_backend.token_counts()["computed"] > 0


def test_sampling_is_seeded_and_top_p_near_zero_is_greedy(smollm2, hf_backend, finlora_data):
    """Sampling at temperature 1: the same seed gives the same outputs, another seed others. With top-p 1e-9 only the
    likeliest token is left to draw, so sampling gives the greedy outputs, on the shared-prefix path and the plain
    one."""
    prompts = _prompts(finlora_data, "fpb", 4)
    greedy = _complete(hf_backend, prompts, 10)
    sampler = create("hf", BackendOptions(MODEL, batch_size=4, temperature=1.0))
    sampler.use_seed(0)
    first = _complete(sampler, prompts, 10)
    assert _complete(sampler, prompts, 10) == first and first != greedy
    sampler.use_seed(1)
    assert _complete(sampler, prompts, 10) != first
    for reuse in (True, False):
        narrow = create("hf", BackendOptions(MODEL, batch_size=4, temperature=1.0, top_p=1e-9, prefix_reuse=reuse))
        assert _complete(narrow, prompts, 10) == greedy

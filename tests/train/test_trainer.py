"""The trainer on real models: every method trains, the loss is the answer-only loss and falls, adapters reload
exactly, an interrupted run resumes to the same adapter, and packed rows stay isolated."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from finlora_common.prefix import MIN_SHARED_PREFIX
from finlora_train.batching import Example, batch_order, collate, encode, shared_prefix
from finlora_train.config import load_config
from finlora_train.modeling import AnswerLoss, load_base, load_model, load_tokenizer
from finlora_train.run import make_accelerator, train_rows
from finlora_train.trainer import fit

METHODS = ["lora", "qlora", "dora", "rslora"]


def smoke(method: str, base: Path, **overrides):
    return load_config("sentiment", method, "smoke", {"base_model": str(base), **overrides})


def adapter_tensors(folder: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(folder / "adapter_model.safetensors")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("base", ["smollm2", "tiny_llama"])
def test_every_method_trains_and_writes_a_peft_folder(method, base, request, sentiment_rows, tmp_path):
    from peft import PeftConfig

    config = smoke(method, request.getfixturevalue(base), max_steps=2, data_limit=8, max_length=256)
    result = train_rows(config, sentiment_rows, tmp_path / "run", data_source="test rows")
    meta = json.loads((tmp_path / "run" / "training_meta.json").read_text())
    peft_config = PeftConfig.from_pretrained(tmp_path / "run")
    assert (peft_config.r, peft_config.use_dora, peft_config.use_rslora) == (
        config.r, method == "dora", method == "rslora")
    assert meta["config"]["quantization"] == {"qlora": "4bit"}.get(method, "8bit")
    assert meta["steps"] == 2 and meta["data"]["rows"] == 8 and meta["tokens_seen"] > 0
    assert meta["final_loss"] == result.state.history[-1]["loss"] and 0 < meta["final_loss"] < 50
    assert (tmp_path / "run" / "loss.csv").read_text().count("\n") == 3
    assert (tmp_path / "run" / "loss.png").stat().st_size > 1000
    assert not (tmp_path / "run" / "checkpoints").exists()
    names = adapter_tensors(tmp_path / "run")
    assert any("lora_magnitude_vector" in name for name in names) == (method == "dora")


def test_answer_loss_equals_the_full_causal_lm_loss(tiny_llama, sentiment_rows):
    config = smoke("lora", tiny_llama, quantization=None)
    tokenizer, model = load_model(config)
    encoded = encode(sentiment_rows[:6], tokenizer, 512)
    batch = collate(encoded.examples, encoded.pad_id, packed=False)
    ours = AnswerLoss(model)(**batch) / sum(e.answer_tokens for e in encoded.examples)
    reference = model(**batch).loss
    assert torch.allclose(ours, reference, atol=1e-5), (ours, reference)
    assert (batch["labels"] != -100).sum() == sum(e.answer_tokens for e in encoded.examples)


def test_packed_rows_do_not_attend_to_each_other(smollm2, sentiment_rows):
    config = smoke("lora", smollm2, quantization=None)
    tokenizer = load_tokenizer(config)
    base = load_base(config).eval()
    examples = encode(sentiment_rows[:3], tokenizer, 512).examples
    packed = collate(examples, tokenizer.pad_token_id, packed=True)
    with torch.no_grad():
        alone = torch.cat([base(input_ids=torch.tensor([e.input_ids])).logits[0] for e in examples])
        isolated = base(input_ids=packed["input_ids"], position_ids=packed["position_ids"], use_cache=False).logits[0]
        # The trap: with a cache, transformers ignores the packing and every example sees the ones before it.
        leaking = base(input_ids=packed["input_ids"], position_ids=packed["position_ids"], use_cache=True).logits[0]
    assert torch.allclose(isolated, alone, atol=1e-3)
    assert not torch.allclose(leaking, alone, atol=1e-1)
    assert base.config.use_cache is False  # what load_base sets, so a forward without use_cache is isolated too


def test_group_by_length_batches_cut_padding_share_templates_and_replay_exactly(sentiment_rows, smollm2):
    tokenizer = load_tokenizer(smoke("lora", smollm2, quantization=None))
    examples = encode(sentiment_rows, tokenizer, 512).examples
    lengths = [len(e.input_ids) for e in examples]

    def padding(batches):
        return sum(max(lengths[i] for i in b) * len(b) - sum(lengths[i] for i in b) for b in batches)

    def shared(batches):
        return sum(shared_prefix([examples[i] for i in b]) * (len(b) - 1) for b in batches)

    grouped = batch_order(examples, 4, "group_by_length", seed=1, epoch=0)
    plain = batch_order(examples, 4, "random", seed=1, epoch=0)
    assert sorted(i for b in grouped for i in b) == list(range(len(lengths)))
    assert padding(grouped) < padding(plain) / 2
    # The rows mix the news and the tweet templates; grouped batches mostly hold one, so they share its instruction.
    assert shared(grouped) > 1.5 * shared(plain)
    assert grouped == batch_order(examples, 4, "group_by_length", seed=1, epoch=0)
    assert grouped != batch_order(examples, 4, "group_by_length", seed=1, epoch=1)
    assert max(lengths[i] for i in grouped[0]) == max(lengths)


def test_shared_prefix_stops_before_the_last_prompt_token():
    head = tuple(range(100, 100 + MIN_SHARED_PREFIX + 2))
    a, b = Example(head + (1, 2, 9), 12), Example(head + (1, 3, 9), 12)
    assert shared_prefix([a, b]) == len(head) + 1
    assert shared_prefix([a, a]) == 11  # identical prompts: the last prompt token stays in each row
    assert shared_prefix([a]) == 0
    short = Example(head[:MIN_SHARED_PREFIX - 1] + (5, 9), MIN_SHARED_PREFIX)
    assert shared_prefix([a, short]) == 0  # under MIN_SHARED_PREFIX: not worth a second decoder call


@pytest.mark.parametrize("method", ["lora", "qlora"])
def test_shared_prefix_loss_and_gradients_equal_the_full_batch(method, smollm2, sentiment_rows):
    config = smoke(method, smollm2, lora_dropout=0.0, **({"quantization": None} if method == "lora" else {}))
    tokenizer, model = load_model(config)
    with torch.no_grad():  # a fresh adapter's B is zero, and so would be every gradient of A
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(std=0.02)
    news = [r for r in sentiment_rows if "this news?" in r["context"]][:6]
    rows = encode(news, tokenizer, 512).examples
    batch = collate(rows, tokenizer.pad_token_id, packed=False)
    prefix = shared_prefix(rows)
    assert prefix >= 20  # the instruction of the news template
    results = []
    for prefix_length in (0, prefix):
        model.zero_grad()
        loss = AnswerLoss(model)(**batch, prefix_length=prefix_length)
        loss.backward()
        results.append((loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}))
    (full, full_grads), (shared, shared_grads) = results
    assert torch.allclose(shared, full, rtol=1e-5), (shared, full)
    for name, grad in full_grads.items():
        assert grad.abs().max() > 0, name
        torch.testing.assert_close(shared_grads[name], grad, rtol=1e-4, atol=1e-4 * float(grad.abs().max()))


def test_share_prefix_trains_the_same_adapter(smollm2, sentiment_rows, tmp_path):
    metas, adapters = [], []
    for share in (False, True):
        config = smoke("lora", smollm2, quantization=None, max_steps=3, batch_size=4, lora_dropout=0.0,
                       share_prefix=share, data_limit=24, max_length=256)
        result = train_rows(config, sentiment_rows, tmp_path / str(share), data_source="test rows")
        metas.append(result.meta)
        adapters.append(adapter_tensors(tmp_path / str(share)))
    assert metas[0]["shared_prefix_tokens"] == 0 and metas[1]["shared_prefix_tokens"] > 0.2 * metas[1]["tokens_seen"]
    assert metas[0]["tokens_seen"] == metas[1]["tokens_seen"]
    # Adam moves a weight by about the learning rate per step whatever its gradient's size, so rounding in a tiny
    # gradient shows at that scale; a wrong prefix would move weights by whole steps.
    for name, tensor in adapters[0].items():
        torch.testing.assert_close(adapters[1][name], tensor, rtol=1e-3, atol=config.learning_rate / 10)


def test_transformers_5_spells_length_grouping_as_a_sampling_strategy(tmp_path):
    from transformers import TrainingArguments

    args = TrainingArguments(tmp_path, train_sampling_strategy="group_by_length", use_cpu=True, report_to=[])
    assert args.train_sampling_strategy == "group_by_length"
    with pytest.raises(TypeError):
        TrainingArguments(tmp_path, group_by_length=True)


def test_loss_falls_on_a_small_overfit_set(smollm2, sentiment_rows, tmp_path):
    config = smoke("lora", smollm2, max_steps=12, data_limit=8, batch_size=4, learning_rate=3e-3, lora_dropout=0.0,
                   warmup_steps=0, max_length=256)
    history = train_rows(config, sentiment_rows, tmp_path / "run", data_source="test rows").state.history
    first, last = history[0]["loss"], sum(h["loss"] for h in history[-3:]) / 3
    assert last < first / 4, [h["loss"] for h in history]


@pytest.mark.parametrize("method", ["lora", "dora"])
def test_saved_adapter_reloads_with_identical_logits(method, smollm2, sentiment_rows, tmp_path):
    from peft import PeftModel

    config = smoke(method, smollm2, max_steps=2, max_length=256)
    tokenizer, model = load_model(config)
    encoded = encode(sentiment_rows[:8], tokenizer, 256)
    fit(model, encoded, config, make_accelerator(config))
    probe = collate(encoded.examples[:2], encoded.pad_id, packed=False)
    probe.pop("labels")
    model.eval()
    with torch.no_grad():
        trained = model(**probe).logits
        model.save_pretrained(tmp_path / "adapter")
        reloaded = PeftModel.from_pretrained(load_base(config), tmp_path / "adapter").eval()(**probe).logits
        untrained = load_base(config).eval()(**probe).logits
    assert torch.equal(trained, reloaded)
    assert not torch.allclose(trained, untrained, atol=1e-4)


def _train_cli(out: Path, data: Path, base: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "finlora_train", "train", "--category", "sentiment", "--method", "lora",
         "--profile", "smoke", "--base-model", str(base), "--data", str(data), "--out", str(out),
         "--set", "max_steps=10", "--set", "save_every=2", "--set", "data_limit=40", "--set", "batch_size=2",
         *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_an_interrupted_run_resumes_to_the_same_adapter(smollm2, sentiment_file, tmp_path):
    whole = _train_cli(tmp_path / "whole", sentiment_file, smollm2)
    assert whole.wait(timeout=600) == 0, whole.stderr.read()
    interrupted = _train_cli(tmp_path / "cut", sentiment_file, smollm2)
    deadline = time.monotonic() + 600
    while not (tmp_path / "cut" / "checkpoints" / "step-000004").is_dir():
        assert interrupted.poll() is None and time.monotonic() < deadline, "no checkpoint before the run ended"
        time.sleep(0.02)
    interrupted.send_signal(signal.SIGKILL)
    interrupted.wait()
    assert not (tmp_path / "cut" / "training_meta.json").exists()
    refused = _train_cli(tmp_path / "cut", sentiment_file, smollm2)
    assert refused.wait(timeout=600) == 2 and "--resume" in refused.stderr.read()
    resumed = _train_cli(tmp_path / "cut", sentiment_file, smollm2, "--resume")
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read()
    expected, got = adapter_tensors(tmp_path / "whole"), adapter_tensors(tmp_path / "cut")
    assert expected.keys() == got.keys()
    assert all(torch.equal(expected[k], got[k]) for k in expected)
    whole_meta = json.loads((tmp_path / "whole" / "training_meta.json").read_text())
    cut_meta = json.loads((tmp_path / "cut" / "training_meta.json").read_text())
    assert whole_meta["final_loss"] == cut_meta["final_loss"] and cut_meta["steps"] == 10


def test_two_processes_train_like_one_with_double_accumulation(tiny_llama, sentiment_file, tmp_path):
    """DDP on CPU (gloo) through torchrun: micro-batches are dealt out between the processes, nothing assumes one."""
    def run(out: Path, launcher: list[str], accumulation: int) -> dict:
        result = subprocess.run(
            [*launcher, "finlora_train", "train", "--category", "sentiment", "--method", "lora",
             "--base-model", str(tiny_llama), "--data", str(sentiment_file), "--out", str(out),
             "--set", "quantization=null", "--set", "max_steps=4", "--set", "batch_size=4",
             "--set", "lora_dropout=0", "--set", f"gradient_accumulation={accumulation}"],
            capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads((out / "training_meta.json").read_text())

    two = run(tmp_path / "two", [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m"], 1)
    one = run(tmp_path / "one", [sys.executable, "-m"], 2)
    assert (two["processes"], one["processes"]) == (2, 1)
    assert two["tokens_seen"] == one["tokens_seen"]
    expected, got = adapter_tensors(tmp_path / "one"), adapter_tensors(tmp_path / "two")
    assert all(torch.allclose(expected[k], got[k], atol=1e-6) for k in expected)
    assert any(not torch.equal(got[k], torch.zeros_like(got[k])) for k in got if "lora_B" in k)


def test_gradient_checkpointing_trains_the_same_adapter(tiny_llama, sentiment_rows, tmp_path):
    adapters = []
    for checkpointing in (False, True):
        # share_prefix off on both sides: with checkpointing nothing is shared, and a shared prefix draws other dropout
        config = smoke("lora", tiny_llama, quantization=None, max_steps=2, gradient_checkpointing=checkpointing,
                       share_prefix=False)
        train_rows(config, sentiment_rows, tmp_path / str(checkpointing), data_source="test rows")
        adapters.append(adapter_tensors(tmp_path / str(checkpointing)))
    plain, recomputed = adapters
    assert all(torch.allclose(plain[k], recomputed[k], atol=1e-6) for k in plain)
    assert load_model(config)[1].get_base_model().is_gradient_checkpointing

"""finlora_train.mixture (finlora-train mix) and finlora_common.mixture: two trained experts on a random Llama, a
router trained over them, the folder saved with its router and evaluated by finlora-eval's hf backend."""
from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file

from finlora_common.mixture import ROUTER, is_mixture, load_mixture
from finlora_train.cli import cli
from finlora_train.config import load_config
from finlora_train.errors import TrainError
from finlora_train.mixture import META, read_experts
from finlora_train.run import train_rows


@pytest.fixture(scope="module")
def experts(tiny_llama, sentiment_rows, tmp_path_factory):
    """Two lora adapters of the random Llama, 3 steps each on different halves of the sentiment rows."""
    folder = tmp_path_factory.mktemp("experts")
    config = load_config("sentiment", "lora", "smoke", {"base_model": str(tiny_llama), "quantization": None,
                                                          "max_steps": 3, "learning_rate": 1e-2})
    for name, rows in (("positive-half", sentiment_rows[:32]), ("negative-half", sentiment_rows[32:])):
        train_rows(config, rows, folder / name, data_source=name)
    return [folder / "positive-half", folder / "negative-half"]


@pytest.fixture(scope="module")
def mixture(experts, sentiment_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("mix") / "sentiment-mixture"
    result = CliRunner().invoke(cli, ["mix", "--expert", str(experts[0]), "--expert", str(experts[1]),
                                      "--category", "sentiment", "--data", str(sentiment_file), "--out", str(out),
                                      "--set", "max_steps=3", "--set", "learning_rate=5e-2"])
    assert result.exit_code == 0, result.output
    assert "mixture of positive-half, negative-half" in result.output
    return out


def _fresh_router(tiny_llama, experts) -> dict:
    """The router's weights before training: the same seed, the same experts."""
    from peft import XLoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from finlora_common.mixture import router_state

    base = AutoModelForCausalLM.from_pretrained(tiny_llama, use_cache=False)
    torch.manual_seed(42)
    model = get_peft_model(base, XLoraConfig(task_type="CAUSAL_LM", hidden_size=base.config.hidden_size,
                                             adapters={str(i): str(e) for i, e in enumerate(experts)}))
    return router_state(model)


def test_the_router_trains_and_the_experts_stay_frozen(mixture, experts, tiny_llama):
    meta = json.loads((mixture / META).read_text())
    assert [e["name"] for e in meta["experts"]] == ["positive-half", "negative-half"] and meta["steps"] == 3
    assert meta["config"]["method"] == "xlora" and meta["config"]["quantization"] is None
    router = load_file(mixture / ROUTER)
    assert meta["router_parameters"] == sum(t.numel() for t in router.values())
    fresh = _fresh_router(tiny_llama, experts)
    assert router.keys() == fresh.keys() and any(not torch.equal(router[k], fresh[k]) for k in router)
    for i, expert in enumerate(experts):  # each expert is saved in the mixture as it was trained
        saved = load_file(mixture / "experts" / str(i) / "adapter_model.safetensors")
        trained = load_file(expert / "adapter_model.safetensors")
        assert saved.keys() == trained.keys() and all(torch.equal(saved[k], trained[k]) for k in saved)
    assert is_mixture(mixture) and not is_mixture(experts[0])


def test_the_reloaded_mixture_is_the_trained_one_and_finlora_eval_generates_with_it(mixture, tiny_llama):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from finlora_eval.backends import BackendOptions, create

    model = load_mixture(AutoModelForCausalLM.from_pretrained(tiny_llama), mixture).eval()
    router = load_file(mixture / ROUTER)
    loaded = model.base_model.internal_xlora_classifier.state_dict()
    assert all(torch.equal(loaded[k], router[k]) for k in router)
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama)
    tokenizer.padding_side = "left"
    prompts = ["Sentiment of: profits rose", "Sentiment of: the company cut its outlook for the year"]
    encoded = tokenizer(prompts, return_tensors="pt", padding=True)
    with torch.inference_mode():
        direct = model.generate(**encoded, max_new_tokens=4, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    expected = tokenizer.batch_decode(direct[:, encoded["input_ids"].shape[1]:], skip_special_tokens=True)
    backend = create("hf", BackendOptions(str(tiny_llama), adapters=(str(mixture),), batch_size=2))
    backend.use_adapter(str(mixture))
    found = dict(pair for batch in backend.generate(prompts, 4) for pair in batch)
    assert [found[0], found[1]] == expected
    assert not backend.reuse  # X-LoRA routes from a full forward pass


def test_a_mixture_needs_two_experts_of_one_base(experts, mixture, tiny_llama):
    from finlora_eval.backends import BackendOptions, create
    from finlora_eval.errors import EvalError

    with pytest.raises(TrainError, match="at least two experts"):
        read_experts(experts[:1])
    with pytest.raises(EvalError, match="evaluated alone"):
        create("hf", BackendOptions(str(tiny_llama), adapters=(str(mixture), str(experts[0]))))

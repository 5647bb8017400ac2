"""Training configs: the YAML layers merge in order, the methods carry the reference's settings, bad keys fail."""
from __future__ import annotations

import pytest

from finlora_train.categories import categories
from finlora_train.config import load_config, parse_overrides
from finlora_train.errors import TrainError


@pytest.mark.parametrize(("method", "quantization", "r", "dora", "rslora"), [
    ("lora", "8bit", 8, False, False), ("qlora", "4bit", 4, False, False),
    ("dora", "8bit", 8, True, False), ("rslora", "8bit", 8, False, True)])
def test_methods_default_to_the_reference_settings(method, quantization, r, dora, rslora):
    config = load_config("sentiment", method)
    assert (config.quantization, config.r, config.use_dora, config.use_rslora) == (quantization, r, dora, rslora)
    assert (config.lora_alpha, config.lora_dropout, config.learning_rate) == (16, 0.05, 1e-4)
    assert config.target_modules == ("q_proj", "k_proj", "v_proj")
    assert (config.lr_scheduler, config.max_length) == ("cosine", 4096)
    assert config.base_model == "meta-llama/Llama-3.1-8B-Instruct"


def test_epochs_follow_the_category():
    epochs = {name: load_config(name, "lora").epochs for name in categories()}
    assert {name for name, n in epochs.items() if n == 1} == {"xbrl_analysis", "xbrl_term", "financial_math"}
    assert all(n == 4 for name, n in epochs.items() if name not in {"xbrl_analysis", "xbrl_term", "financial_math"})
    assert categories()["certification"].unavailable


def test_profile_then_command_line_override_the_yaml():
    config = load_config("ner", "dora", "smoke", parse_overrides(["learning_rate=5e-4", "dora_magnitude_lr=1e-3",
                                                                   "target_modules=[q_proj, v_proj]"]))
    assert config.base_model == "smollm2-135m-instruct" and config.max_steps == 3
    assert (config.learning_rate, config.dora_magnitude_lr) == (5e-4, 1e-3)
    assert config.target_modules == ("q_proj", "v_proj")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"learnig_rate": 1e-3}, "unknown config keys: learnig_rate"),
    ({"quantization": "3bit"}, "quantization must be"),
    ({"batching": "bucketed"}, "batching must be"),
    ({"dora_magnitude_lr": 1e-3}, "needs use_dora"),
])
def test_bad_settings_fail_with_what_and_how(overrides, message):
    with pytest.raises(TrainError, match=message):
        load_config("sentiment", "lora", overrides=overrides)


def test_unknown_names_list_the_choices():
    with pytest.raises(TrainError, match="choose one of .*sentiment"):
        load_config("sentimnet", "lora")
    with pytest.raises(TrainError, match="choose one of lora, qlora, dora, rslora"):
        load_config("sentiment", "ia3")
    with pytest.raises(TrainError, match="not key=value"):
        parse_overrides(["learning_rate"])

"""Training configs: the YAML layers merge in order, the methods carry the reference's settings, bad keys fail, and a
bad value names the key, the value and the type expected."""
from __future__ import annotations

from dataclasses import fields

import pytest

from finlora_train.categories import categories
from finlora_train.config import TrainConfig, load_config, parse_overrides
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


@pytest.mark.parametrize(("pair", "message"), [
    ("epochs=abc", 'epochs must be a number, not "abc"'),
    ("r=2.5", "r must be a whole number, not 2.5"),
    ("r=true", "r must be a whole number, not true"),
    ("use_dora=1", "use_dora must be true or false, not 1"),
    ("max_steps=three", 'max_steps must be a whole number or null, not "three"'),
    ("dora_magnitude_lr=[1]", "dora_magnitude_lr must be a number or null, not [1]"),
    ("quantization=4", "quantization must be a string or null, not 4"),
    ("target_modules=q_proj", 'target_modules must be a list of strings, not "q_proj"'),
    ("target_modules=[q_proj, 1]", 'target_modules must be a list of strings, not ["q_proj", 1]'),
    ("description=", "description must be a string, not null"),
    ("save_every=0", "save_every must be positive, not 0"),
    ("learning_rate=-1e-4", "learning_rate must be positive, not -0.0001"),
    ("max_length=1", "max_length must be at least 2, not 1"),
    ("lora_dropout=1", "lora_dropout must be at least 0 and below 1, not 1"),
    ("warmup_steps=-1", "warmup_steps must be zero or more, not -1"),
    ("batching=bucketed", 'batching must be one of group_by_length, packed, random, not "bucketed"'),
    ("quantization=3bit", 'quantization must be one of null, 8bit, 4bit, not "3bit"'),
])
def test_a_bad_override_names_the_key_the_value_and_the_type(pair, message):
    with pytest.raises(TrainError) as error:
        load_config("sentiment", "lora", overrides=parse_overrides([pair]))
    assert str(error.value) == f"invalid training config for sentiment/lora: {message}"


def test_every_field_is_type_checked():
    for field in fields(TrainConfig):
        with pytest.raises(TrainError, match=f": {field.name} must be .*, not {{}}$"):
            load_config("sentiment", "lora", overrides={field.name: {}})


def test_good_overrides_of_every_type_pass():
    config = load_config("sentiment", "lora", overrides=parse_overrides(
        ["epochs=2", "max_steps=null", "quantization=null", "use_rslora=true", "lora_dropout=0", "description=x"]))
    assert (config.epochs, config.max_steps, config.quantization, config.use_rslora) == (2, None, None, True)
    assert (config.lora_dropout, config.description) == (0, "x")


def test_an_override_that_is_not_yaml_is_one_line_naming_the_option():
    with pytest.raises(TrainError) as error:
        parse_overrides(["epochs=2", "learning_rate=["])
    assert str(error.value) == ("--set learning_rate=[: the value is not valid YAML: expected the node content, but "
                                "found '<stream end>' at column 2 (values are YAML, e.g. 2e-4, true, null or "
                                "[q_proj, v_proj])")
    with pytest.raises(TrainError, match=r"^--cap tfns=\{: the value is not valid YAML: "):
        parse_overrides(["tfns={"], "--cap")
    with pytest.raises(TrainError, match=r"^--cap 'tfns' is not key=value$"):
        parse_overrides(["tfns"], "--cap")

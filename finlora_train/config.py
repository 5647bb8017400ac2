"""Training configurations: the YAML files under configs/, merged into one frozen TrainConfig.

Layers, each overriding the one before: configs/defaults.yaml, the method's entry
in configs/methods.yaml, the category's `train:` section in configs/categories.yaml, a profile from
configs/profiles/, and `key=value` overrides from the command line.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from types import UnionType
from typing import Any, Mapping, get_args, get_origin, get_type_hints

import yaml

from finlora_common.yamlfile import describe, read_yaml
from finlora_train.categories import category
from finlora_train.errors import TrainError

CONFIG_DIR = Path(__file__).parent / "configs"
QUANTIZATIONS = (None, "8bit", "4bit")
BATCHINGS = ("group_by_length", "packed", "random")
PRECISIONS = ("auto", "bf16", "fp32")
CHOICES = {"quantization": QUANTIZATIONS, "batching": BATCHINGS, "precision": PRECISIONS}
LIMITS: tuple[tuple[tuple[str, ...], str, Callable[[float], bool]], ...] = (
    (("r", "lora_alpha", "batch_size", "gradient_accumulation", "save_every", "learning_rate", "epochs", "max_steps",
      "data_limit", "dora_magnitude_lr"), "positive", lambda value: value > 0),
    (("max_length",), "at least 2", lambda value: value >= 2),
    (("warmup_steps", "weight_decay", "max_grad_norm"), "zero or more", lambda value: value >= 0),
    (("lora_dropout",), "at least 0 and below 1", lambda value: 0 <= value < 1),
)
"""Numeric settings and the values they allow (null always passes where the field's type allows it)."""
TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true or false", type(None): "null",
              tuple[str, ...]: "a list of strings"}
"""How the field types of TrainConfig are named to users."""


@dataclass(frozen=True)
class TrainConfig:
    category: str
    method: str
    base_model: str
    r: int
    epochs: float
    quantization: str | None = None
    use_dora: bool = False
    use_rslora: bool = False
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj")
    learning_rate: float = 1e-4
    dora_magnitude_lr: float | None = None
    """DoRA only: learning rate of the magnitude vectors (default: learning_rate)."""
    lr_scheduler: str = "cosine"
    warmup_steps: int = 10
    max_steps: int | None = None
    """Stop after this many optimizer steps (overrides epochs for the schedule)."""
    max_length: int = 4096
    batch_size: int = 4
    """Examples per device per micro-batch (for `packed`: sequences of up to max_length tokens)."""
    gradient_accumulation: int = 2
    batching: str = "group_by_length"
    share_prefix: bool = True
    """Run the tokens that all examples of a padded batch start with once per batch (exact; not with `packed` or
    gradient checkpointing). Off: every example runs its whole prompt."""
    gradient_checkpointing: bool = False
    precision: str = "auto"
    seed: int = 42
    save_every: int = 200
    max_grad_norm: float = 1.0
    weight_decay: float = 0.0
    data_limit: int | None = None
    """Train on a seeded sample of at most this many rows."""
    description: str = ""

    def __post_init__(self) -> None:
        problem = _type_problem(self) or _value_problem(self)
        if problem:
            raise TrainError(f"invalid training config for {self.category}/{self.method}: {problem}")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """The config of `to_dict` (or of merged YAML layers), lists read back as tuples."""
        values = dict(values)
        if isinstance(values.get("target_modules"), list):
            values["target_modules"] = tuple(values["target_modules"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}


def _shown(value: Any) -> str:
    """A setting's value as YAML and --set write it: "abc", null, true, ["q_proj"]."""
    return json.dumps(list(value) if isinstance(value, tuple) else value, default=str)


def _has_type(value: Any, kind: Any) -> bool:
    """Whether `value` is of the field type `kind`; a whole number is also a float, true/false is neither."""
    if kind == tuple[str, ...]:
        return isinstance(value, tuple) and all(isinstance(item, str) for item in value)
    if isinstance(value, bool) or kind is bool:
        return isinstance(value, bool) and kind is bool
    return isinstance(value, (int, float) if kind is float else kind)


@cache
def _field_types() -> dict[str, Any]:
    return get_type_hints(TrainConfig)


def _type_problem(config: TrainConfig) -> str | None:
    """The first field whose value is not of its type, said with the value and the type expected."""
    for name, hint in _field_types().items():
        value = getattr(config, name)
        kinds = get_args(hint) if get_origin(hint) is UnionType else (hint,)
        if not any(_has_type(value, kind) for kind in kinds):
            return f"{name} must be {' or '.join(TYPE_NAMES[kind] for kind in kinds)}, not {_shown(value)}"
    return None


def _value_problem(config: TrainConfig) -> str | None:
    """The first field whose value (of the right type) is not allowed."""
    for name, allowed in CHOICES.items():
        if getattr(config, name) not in allowed:
            choices = ", ".join("null" if choice is None else choice for choice in allowed)
            return f"{name} must be one of {choices}, not {_shown(getattr(config, name))}"
    for names, expected, allows in LIMITS:
        for name in names:
            value = getattr(config, name)
            if value is not None and not allows(value):
                return f"{name} must be {expected}, not {_shown(value)}"
    if config.dora_magnitude_lr is not None and not config.use_dora:
        return "dora_magnitude_lr needs use_dora (the dora method)"
    return None


@cache
def methods() -> dict[str, dict]:
    return read_yaml(CONFIG_DIR / "methods.yaml", TrainError)


def profiles() -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / "profiles").glob("*.yaml"))



def parse_overrides(pairs: tuple[str, ...] | list[str], option: str = "--set") -> dict[str, Any]:
    """`key=value` strings, values read as YAML scalars (`1e-4`, `true`, `null`, `[q_proj, v_proj]`); errors name the
    command-line `option` they came from."""
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise TrainError(f"{option} {pair!r} is not key=value")
        overrides[key.strip()] = _scalar(value, f"{option} {pair}")
    return overrides


def _scalar(text: str, where: str) -> Any:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TrainError(f"{where}: the value is not valid YAML: {describe(exc, text)[1]}",
                         hint="values are YAML, e.g. 2e-4, true, null or [q_proj, v_proj]") from None
    if isinstance(value, str):  # YAML 1.1 reads 5e-4 (no dot) as a string
        try:
            return float(value)
        except ValueError:
            pass
    return value


def load_config(category_name: str, method: str, profile: str | None = None,
                overrides: Mapping[str, Any] | None = None) -> TrainConfig:
    """The merged configuration of one cell of the training matrix."""
    cat = category(category_name)
    if method not in methods():
        raise TrainError(f"unknown method {method!r}", hint=f"choose one of {', '.join(methods())}")
    merged: dict[str, Any] = {**read_yaml(CONFIG_DIR / "defaults.yaml", TrainError), **methods()[method], **cat.train}
    if profile is not None:
        path = CONFIG_DIR / "profiles" / f"{profile}.yaml"
        if not path.is_file():
            raise TrainError(f"unknown profile {profile!r}", hint=f"choose one of {', '.join(profiles())}")
        merged.update(read_yaml(path, TrainError))
    merged.update(overrides or {})
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(merged) - known - {"category", "method"})
    if unknown:
        raise TrainError(f"unknown config keys: {', '.join(unknown)}",
                         hint=f"known keys: {', '.join(sorted(known - {'category', 'method'}))}")
    try:
        return TrainConfig.from_dict({"category": category_name, "method": method, **merged})
    except TypeError as exc:
        raise TrainError(f"invalid training config for {category_name}/{method}: {exc}") from None

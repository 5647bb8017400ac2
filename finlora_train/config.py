"""Training configurations: the YAML files under configs/, merged into one frozen TrainConfig.

Layers, each overriding the one before: configs/defaults.yaml, the method's entry
in configs/methods.yaml, the category's `train:` section in configs/categories.yaml, a profile from
configs/profiles/, and `key=value` overrides from the command line.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from finlora_train.categories import category
from finlora_train.errors import TrainError

CONFIG_DIR = Path(__file__).parent / "configs"
QUANTIZATIONS = (None, "8bit", "4bit")
BATCHINGS = ("group_by_length", "packed", "random")
PRECISIONS = ("auto", "bf16", "fp32")


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
        checks = [
            (self.quantization in QUANTIZATIONS, f"quantization must be one of 8bit, 4bit or null, not {self.quantization!r}"),
            (self.batching in BATCHINGS, f"batching must be one of {', '.join(BATCHINGS)}, not {self.batching!r}"),
            (self.precision in PRECISIONS, f"precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}"),
            (self.r > 0 and self.batch_size > 0 and self.gradient_accumulation > 0 and self.max_length > 1,
             "r, batch_size, gradient_accumulation and max_length must be positive"),
            (self.learning_rate > 0 and (self.max_steps is None or self.max_steps > 0) and self.epochs > 0,
             "learning_rate, epochs and max_steps must be positive"),
            (self.dora_magnitude_lr is None or self.use_dora, "dora_magnitude_lr needs use_dora (the dora method)"),
        ]
        for ok, message in checks:
            if not ok:
                raise TrainError(f"invalid training config for {self.category}/{self.method}: {message}")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """The config of `to_dict` (or of merged YAML layers), lists read back as tuples."""
        values = dict(values)
        if "target_modules" in values:
            values["target_modules"] = tuple(values["target_modules"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}



def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise TrainError(f"cannot read config: {exc}".splitlines()[0], path) from None
    if not isinstance(data, dict):
        raise TrainError("a config file must be a YAML mapping", path)
    return data



@cache
def methods() -> dict[str, dict]:
    return _read(CONFIG_DIR / "methods.yaml")


def profiles() -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / "profiles").glob("*.yaml"))



def parse_overrides(pairs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """`key=value` strings, values read as YAML scalars (`1e-4`, `true`, `null`, `[q_proj, v_proj]`)."""
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise TrainError(f"override {pair!r} is not key=value", hint="e.g. --set learning_rate=2e-4")
        overrides[key.strip()] = _scalar(value)
    return overrides


def _scalar(text: str) -> Any:
    value = yaml.safe_load(text)
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
    merged: dict[str, Any] = {**_read(CONFIG_DIR / "defaults.yaml"), **methods()[method], **cat.train}
    if profile is not None:
        path = CONFIG_DIR / "profiles" / f"{profile}.yaml"
        if not path.is_file():
            raise TrainError(f"unknown profile {profile!r}", hint=f"choose one of {', '.join(profiles())}")
        merged.update(_read(path))
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

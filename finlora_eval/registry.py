"""The dataset registry: the 19 datasets of the suite and the BERTScore encoders, read from YAML.

The default ships as `finlora_eval/registry.yaml`; `load_registry(path)` reads a
user's own file with the same layout.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Literal

from finlora_common.yamlfile import read_yaml
from finlora_eval.errors import EvalError
from finlora_eval.forgetting import ROWS

SOURCE_KINDS = ("jsonl", "fnxl_csv", "headline_csv", "xbrl", "hf", "train")
METRICS = ("accuracy_f1", "bertscore")
ANSWERS = ("label", "tag_list", "number", "arithmetic", "formula", "text", "choice", "final_number")
NUMERIC = ("number", "arithmetic", "final_number")


@dataclass(frozen=True)
class Source:
    kind: Literal["jsonl", "fnxl_csv", "headline_csv", "xbrl", "hf", "train"]
    location: str
    """A path under --data-dir (jsonl, fnxl_csv, headline_csv), a build config (xbrl), a dataset id (hf) or a
    finlora-train category (train)."""
    split: str = "test"
    """The split of an xbrl build, a headline file or an hf dataset."""
    prompt: str | None = None
    """hf only: `str.format` template over the dataset's columns."""
    target: str | None = None
    """hf only: the column holding the answer."""
    note: str | None = None
    builder: str | None = None
    """train: which of the category's sources (its finlora-train builder); hf: the function of
    finlora_eval.forgetting that makes a record a row, instead of prompt and target."""
    config: str | None = None
    """hf only: the dataset's configuration (cais/mmlu's `all`)."""


@dataclass(frozen=True)
class Tolerance:
    rel: float
    abs: float


@dataclass(frozen=True)
class DatasetSpec:
    key: str
    name: str
    category: str
    metric: Literal["accuracy_f1", "bertscore"]
    answer: Literal["label", "tag_list", "number", "arithmetic", "formula", "text", "choice", "final_number"]
    max_new_tokens: int
    sources: tuple[Source, ...] = ()
    fewshot: tuple[Source, ...] = ()
    """Where solved examples for --num-fewshot come from (training data only), tried in order like `sources`."""
    labels: tuple[str, ...] | None = None
    tolerance: Tolerance | None = None
    unavailable: str | None = None
    origin: str | None = None
    suite: bool = True
    """False for the checks outside the benchmark (MMLU, GSM8K): not in `all`."""


@dataclass(frozen=True)
class Encoder:
    """A BERTScore encoder: a Hub id or local folder, or a folder inside an installed package."""

    name: str
    layer: int
    package: str | None = None
    subdir: str | None = None


@dataclass(frozen=True)
class Registry:
    categories: dict[str, str]
    datasets: dict[str, DatasetSpec]
    encoders: tuple[Encoder, ...]

    def select(self, keys: str) -> tuple[DatasetSpec, ...]:
        """`all` (the benchmark's datasets), or comma-separated keys, in registry order; unknown keys are an
        error."""
        if keys.strip() == "all":
            return tuple(spec for spec in self.datasets.values() if spec.suite)
        wanted = [k.strip() for k in keys.split(",") if k.strip()]
        unknown = [k for k in wanted if k not in self.datasets]
        if unknown or not wanted:
            raise EvalError(f"unknown datasets {unknown or keys!r}",
                            hint=f"choose from all, {', '.join(self.datasets)}")
        return tuple(spec for key, spec in self.datasets.items() if key in wanted)


def _source(entry: dict, where: str, split: str) -> Source:
    kinds = [kind for kind in SOURCE_KINDS if kind in entry]
    if len(kinds) != 1:
        raise EvalError(f"{where}: each source needs exactly one of {', '.join(SOURCE_KINDS)}")
    kind = kinds[0]
    builder = entry.get("builder")
    if kind == "hf" and not (entry.get("prompt") and entry.get("target")) and builder not in ROWS:
        raise EvalError(f"{where}: an hf source needs prompt (a template over the columns) and target (a column), "
                        f"or a builder ({', '.join(ROWS)})")
    if kind == "train" and not builder or builder and kind not in ("train", "hf"):
        raise EvalError(f"{where}: a train source, and only a train or hf source, names a builder")
    return Source(kind, str(entry[kind]), str(entry.get("split", split)), entry.get("prompt"), entry.get("target"),
                  entry.get("note"), builder, entry.get("config"))


def _dataset(key: str, entry: dict, categories: dict[str, str]) -> DatasetSpec:
    where = f"dataset {key!r}"
    if not isinstance(entry, dict):
        raise EvalError(f"{where} must be a mapping")
    for field, allowed in (("category", tuple(categories)), ("metric", METRICS), ("answer", ANSWERS)):
        if entry.get(field) not in allowed:
            raise EvalError(f"{where}: {field} must be one of {', '.join(allowed)}, not {entry.get(field)!r}")
    if not isinstance(entry.get("max_new_tokens"), int) or entry["max_new_tokens"] < 1:
        raise EvalError(f"{where}: max_new_tokens must be a positive integer")
    sources = tuple(_source(s, where, "test") for s in entry.get("sources") or ())
    fewshot = tuple(_source(s, f"{where} fewshot", "train") for s in entry.get("fewshot") or ())
    if any(s.kind == "train" for s in sources):
        raise EvalError(f"{where}: a train source can only give few-shot examples")
    if not sources and not entry.get("unavailable"):
        raise EvalError(f"{where}: give sources, or say why it is unavailable")
    tolerance = entry.get("tolerance")
    if entry["answer"] in NUMERIC and not tolerance:
        raise EvalError(f"{where}: numeric answers need a tolerance {{rel, abs}}")
    return DatasetSpec(
        key=key, name=str(entry.get("name", key)), category=entry["category"], metric=entry["metric"],
        answer=entry["answer"], max_new_tokens=entry["max_new_tokens"], sources=sources, fewshot=fewshot,
        labels=tuple(str(label) for label in entry["labels"]) if entry.get("labels") else None,
        tolerance=Tolerance(float(tolerance["rel"]), float(tolerance["abs"])) if tolerance else None,
        unavailable=entry.get("unavailable"), origin=entry.get("origin"), suite=bool(entry.get("suite", True)))


def load_registry(path: Path | None = None) -> Registry:
    """Read and check the registry; without `path`, the bundled one."""
    path = path or Path(str(files("finlora_eval").joinpath("registry.yaml")))
    data = read_yaml(path, EvalError)
    if not isinstance(data.get("datasets"), dict) or not data.get("categories"):
        raise EvalError("registry must be a mapping with categories and datasets", path)
    categories = {str(k): str(v) for k, v in data["categories"].items()}
    try:
        datasets = {str(key): _dataset(str(key), entry, categories) for key, entry in data["datasets"].items()}
        encoders = tuple(Encoder(str(e["name"]), int(e["layer"]), e.get("package"), e.get("subdir"))
                         for e in data.get("bertscore_models") or ())
    except EvalError as error:
        raise EvalError(error.message, path) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise EvalError(f"bertscore_models entries need name and layer ({exc})", path) from None
    return Registry(categories, datasets, encoders)

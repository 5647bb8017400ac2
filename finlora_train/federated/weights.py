"""Adapter weights on the wire: a PEFT adapter state as a Flower ArrayRecord, and what sending it costs.

Only the adapter travels: every tensor of peft's `get_peft_model_state_dict` (LoRA A
and B matrices and, for DoRA, the magnitude vectors), never the frozen base.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from finlora_train.errors import TrainError


def adapter_state(model) -> dict[str, torch.Tensor]:
    """The adapter tensors of a PeftModel, on the CPU."""
    from peft import get_peft_model_state_dict

    return {name: tensor.detach().cpu().contiguous() for name, tensor in get_peft_model_state_dict(model).items()}


def to_record(state: dict[str, torch.Tensor]):
    from flwr.app import ArrayRecord

    return ArrayRecord.from_torch_state_dict(state)


def to_state(record) -> dict[str, torch.Tensor]:
    return dict(record.to_torch_state_dict())


def load_record(model, record) -> None:
    """Set the adapter of `model` to the weights of `record`, which must name exactly the adapter's tensors."""
    from peft import get_peft_model_state_dict, set_peft_model_state_dict

    state = to_state(record)
    received, expected = set(state), set(get_peft_model_state_dict(model))
    if received != expected:
        extra, missing = sorted(received - expected), sorted(expected - received)
        raise TrainError(f"the received adapter does not match the local one (unexpected: {extra[:3]}, "
                         f"missing: {missing[:3]})", hint="server and clients must use the same method and config")
    set_peft_model_state_dict(model, state)


def wire_bytes(record) -> int:
    """Bytes of one ArrayRecord as Flower serialises it: each tensor as a .npy buffer, plus its key."""
    return record.count_bytes()


def tensor_bytes(record) -> int:
    """Bytes of the raw tensor data alone (elements x element size)."""
    return sum(int(np.prod(array.shape)) * np.dtype(array.dtype).itemsize for array in record.values())


def save_record(record, path: Path, metadata: dict[str, str]) -> None:
    """The tensors of `record` as one safetensors file, written atomically."""
    from safetensors.torch import save_file

    from finlora_common.atomic import atomic_path

    with atomic_path(path) as tmp:
        save_file({name: tensor.contiguous() for name, tensor in to_state(record).items()}, str(tmp),
                  metadata=metadata)

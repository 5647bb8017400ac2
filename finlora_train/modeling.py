"""The model side of training: load the base (optionally 8/4-bit), attach the method's adapter, and compute
the loss on answer tokens only.

The loss runs the decoder and then applies the output head only at the positions
that predict an answer token. With a 49k-token vocabulary the head and its softmax
are a large share of a small model's compute, and prompts are far longer than
answers, so this saves both time and memory; it computes exactly the same loss.
The prompt tokens that every row of a batch starts with run through the decoder
once, as a key/value cache that all rows attend to (the same loss again, up to
float rounding).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from finlora_common.packaged_models import resolve_model
from finlora_common.prefix import cache_keyword
from finlora_train.config import TrainConfig
from finlora_train.errors import TrainError

IGNORE = -100
MAGNITUDE = "lora_magnitude_vector"


def compute_dtype(config: TrainConfig) -> torch.dtype:
    precision = config.precision
    if precision == "auto":
        precision = "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "fp32"
    return {"bf16": torch.bfloat16, "fp32": torch.float32}[precision]


def quantization_config(config: TrainConfig):
    """The bitsandbytes settings of the method's base, or None for a 16/32-bit base."""
    if config.quantization is None:
        return None
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        raise TrainError(f"the {config.method} method loads its base in {config.quantization} and needs bitsandbytes",
                         hint="pip install 'finlora[train]'") from None
    from transformers import BitsAndBytesConfig

    if config.quantization == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=compute_dtype(config))


def lora_config(config: TrainConfig):
    from peft import LoraConfig

    return LoraConfig(r=config.r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=list(config.target_modules), use_dora=config.use_dora,
                      use_rslora=config.use_rslora, bias="none", task_type="CAUSAL_LM")


def load_tokenizer(config: TrainConfig):
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(resolve_model(config.base_model))
    except (OSError, ValueError) as exc:
        raise TrainError(f"cannot load the tokenizer of {config.base_model}: {exc}".splitlines()[0]) from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_base(config: TrainConfig, device: torch.device | str = "cpu"):
    """The frozen base model, quantised as the method says, on `device`."""
    from transformers import AutoModelForCausalLM

    kwargs = {"dtype": compute_dtype(config)}
    quantization = quantization_config(config)
    if quantization is not None:
        kwargs.update(quantization_config=quantization, device_map={"": device})
    try:
        base = AutoModelForCausalLM.from_pretrained(resolve_model(config.base_model), **kwargs)
    except (OSError, ValueError) as exc:
        raise TrainError(f"cannot load base model {config.base_model}: {exc}".splitlines()[0]) from None
    if quantization is None:
        base.to(device)
    # Packed rows are isolated only when no cache is built (transformers derives the block mask from
    # position_ids only then), and a cache is useless in training anyway.
    base.config.use_cache = False
    return base


def attach_adapter(base, config: TrainConfig):
    """The base wrapped in a fresh, trainable adapter of the method."""
    from peft import get_peft_model

    # Not peft's prepare_model_for_kbit_training: its casts break DoRA on 8-bit bases (bitsandbytes loses the
    # weight scales), and get_peft_model already freezes the base and keeps adapter weights in float32.
    if config.gradient_checkpointing:
        base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        base.enable_input_require_grads()
    try:
        model = get_peft_model(base, lora_config(config))
    except ValueError as exc:
        raise TrainError(f"cannot attach a {config.method} adapter to {config.base_model}: {exc}".splitlines()[0],
                         hint="check target_modules against the model's layer names") from None
    if config.use_dora and config.quantization == "8bit":
        from bitsandbytes.nn import Linear8bitLt

        for module in model.modules():
            if isinstance(module, Linear8bitLt):
                module.register_forward_pre_hook(_keep_int8_scales)
    return model


def _keep_int8_scales(module, args) -> None:
    """On CPU, peft's DoRA re-creates an 8-bit base weight after reading it (peft 0.21, bitsandbytes 0.50) and the
    copy has lost its row scales, so the next forward would fail; give the weight back the scales it had."""
    weight = module.weight
    if getattr(weight, "CB", None) is not None and weight.SCB is None and module.state.SCB is not None:
        weight.SCB = module.state.SCB


def load_model(config: TrainConfig, device: torch.device | str = "cpu"):
    """(tokenizer, model with a fresh adapter), seeded so the adapter's initial weights follow config.seed."""
    tokenizer = load_tokenizer(config)
    torch.manual_seed(config.seed)
    return tokenizer, attach_adapter(load_base(config, device), config)


def parameter_groups(model, config: TrainConfig) -> list[dict]:
    """Trainable parameters for the optimizer; DoRA's magnitude vectors get their own learning rate if set."""
    trainable = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    if config.dora_magnitude_lr is None:
        return [{"params": [p for _, p in trainable]}]
    return [{"params": [p for name, p in trainable if MAGNITUDE not in name]},
            {"params": [p for name, p in trainable if MAGNITUDE in name], "lr": config.dora_magnitude_lr}]


class AnswerLoss(torch.nn.Module):
    """Summed cross-entropy over answer tokens; a module so that DDP wraps (and synchronises) the whole step."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        config = model.peft_config.get(model.active_adapter) if hasattr(model, "peft_config") else None
        self.routed = config is not None and config.peft_type == "XLORA"
        """A mixture of experts (finlora_train.mixture) routes inside the PeftModel's own forward, which the decoder
        call below would bypass: it runs through that forward instead, without prefix sharing."""

    def forward(self, input_ids, labels, attention_mask=None, position_ids=None, prefix_length: int = 0) -> torch.Tensor:
        """`prefix_length` > 0: every row starts with the same that many tokens (batching.shared_prefix). The decoder
        runs them once, and each row's other tokens attend to that one copy of their keys and values. Causal
        attention makes this exact: a prefix token's states depend on the prefix alone."""
        if self.routed:
            logits = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                                use_cache=False).logits
            return _answer_loss(logits[:, :-1], labels)
        causal_lm = self.model.get_base_model()
        decoder = causal_lm.get_decoder()
        caching = {"use_cache": False}
        if prefix_length:
            from transformers import DynamicCache

            cache = DynamicCache()
            caching = {"use_cache": True, cache_keyword(decoder): cache}
            decoder(input_ids=input_ids[:1, :prefix_length], **caching)
            cache.batch_repeat_interleave(input_ids.shape[0])
            input_ids, labels = input_ids[:, prefix_length:], labels[:, prefix_length:]
        hidden = decoder(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                         **caching).last_hidden_state
        return _answer_loss(hidden[:, :-1], labels, causal_lm.get_output_embeddings())


def _answer_loss(states: torch.Tensor, labels: torch.Tensor, head=None) -> torch.Tensor:
    """Summed cross-entropy of the answer tokens from the states before them: logits, or hidden states that `head`
    turns into logits at the answer positions only."""
    targets = labels[:, 1:]
    keep = targets != IGNORE
    logits = states[keep] if head is None else head(states[keep])
    return F.cross_entropy(logits.float(), targets[keep], reduction="sum")

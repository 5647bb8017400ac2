"""Generation backends, by name: what a backend must do, and the options they are built from.

A backend turns prompts into raw completions. `generate` yields finished
(position, completion) pairs chunk by chunk, in any order, so the runner can save
them as they come and resume an interrupted run. Backends are imported only when
used: each needs its own optional packages.
"""
from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from finlora_eval.errors import EvalError

BACKENDS = {
    "hf": "finlora_eval.backends.hf:HFBackend",
    "openai": "finlora_eval.backends.openai:OpenAIBackend",
    "vllm": "finlora_eval.backends.vllm:VLLMBackend",
}


@dataclass(frozen=True)
class BackendOptions:
    model: str
    adapters: tuple[str, ...] = ()
    batch_size: int = 8
    chat_template: bool = False
    dtype: str = "auto"
    device: str | None = None
    device_map: str | None = None
    load_in: str | None = None
    """None, "8bit" or "4bit" (bitsandbytes)."""
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = 8
    max_retries: int = 5
    retry_backoff_s: float = 1.0
    prefix_reuse: bool = True
    """hf: compute the prompts' shared prefix once; vllm: the engine's automatic prefix caching."""
    max_model_len: int | None = None
    """vllm: the context window to reserve memory for (default: the model's)."""
    tensor_parallel_size: int = 1
    """vllm: GPUs to split each layer across."""
    gpu_memory_utilization: float = 0.9
    """vllm: the share of each GPU's memory the engine may take."""
    temperature: float = 0.0
    """0: greedy decoding (the default); above 0: sampling at this temperature, seeded by `use_seed`."""
    top_p: float = 1.0
    """Sampling only: draw from the smallest set of tokens whose probabilities sum to at least this."""

    def __post_init__(self) -> None:
        if self.temperature < 0 or not 0 < self.top_p <= 1:
            raise EvalError(f"temperature must be >= 0 and top_p in (0, 1], not {self.temperature} and {self.top_p}")

    @property
    def sampling(self) -> bool:
        return self.temperature > 0


class Backend(Protocol):
    def generate(self, prompts: Sequence[str], max_new_tokens: int) -> Iterator[list[tuple[int, str]]]:
        """Completions of `prompts` (greedy, or sampled where the options say so), yielded in finished chunks of
        (position in prompts, completion)."""

    def choice_logprobs(self, prompts: Sequence[str], choices: Sequence[str]) -> list[list[float]]:
        """Per prompt, per choice: the sum of the log-probabilities of the choice's tokens after the prompt (hf
        only: the runner refuses log-likelihood scoring on the other backends)."""

    def use_seed(self, seed: int) -> None:
        """Sample with this seed from now on; every `generate` call starts from it (greedy ignores it)."""

    def use_adapter(self, adapter: str | None) -> None:
        """Generate with this adapter (one of the options' adapters) from now on; None: the base model."""

    def over_window(self, prompts: Sequence[str], max_new_tokens: int) -> list[int]:
        """The positions of the prompts whose tokens and budget do not fit the model's context window (never
        generated: they are not truncated); empty where the window is not known here."""

    def describe(self) -> dict:
        """What ran: model, device, settings; written into the results."""

    def reset_counters(self) -> None:
        """Start peak memory and token counts afresh (for one dataset)."""

    def token_counts(self) -> dict | None:
        """{"prompt": prompt tokens given since the last reset, "computed": those the model computed, the rest
        came from a cache}, or None where not known here."""

    def peak_memory(self) -> dict | None:
        """{"mib": peak since the last reset, "kind": what was measured}, or None when not measurable."""


_ENGINE_SETTINGS = ("max_model_len", "tensor_parallel_size", "gpu_memory_utilization")
"""The options only the vllm engine reads."""


def create(name: str, options: BackendOptions) -> Backend:
    if name != "vllm":
        defaults = {field.name: field.default for field in dataclasses.fields(BackendOptions)}
        for key in _ENGINE_SETTINGS:
            if getattr(options, key) != defaults[key]:
                raise EvalError(f"--{key.replace('_', '-')} is a setting of the vllm engine; the {name} backend "
                                "does not read it", hint="drop it, or use --backend vllm")
    module, _, cls = BACKENDS[name].partition(":")
    return getattr(importlib.import_module(module), cls)(options)


def require(module: str, purpose: str, install: str):
    """Import an optional dependency, or say in one line how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise EvalError(f"{purpose} needs the package {module}", hint=f"pip install {install}") from None

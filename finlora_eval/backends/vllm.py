"""The vLLM backend (optional, CUDA only): one engine, the base model plus LoRA adapters served by it.

All adapters are registered with the engine at start, so several adapters are
evaluated in one engine run. Each adapter is checked like the hf backend's: if
its next-token log-probabilities for a probe prompt equal the base model's, the
run stops. Not exercised by the test suite (no GPU there); it fails with a clear
error where vLLM is not installed.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from finlora_common.packaged_models import resolve_model
from finlora_eval.backends import BackendOptions, require
from finlora_eval.backends.hf import ADAPTER_MIN_EFFECT, PROBE
from finlora_eval.errors import EvalError

_PROBE_TOP = 20


class VLLMBackend:
    def __init__(self, options: BackendOptions):
        vllm = require("vllm", "the vllm backend", "vllm (on a machine with a CUDA GPU)")
        from vllm.lora.request import LoRARequest

        if options.load_in:
            raise EvalError("the vllm backend does not load bitsandbytes 8/4-bit bases", hint="use --backend hf")
        self.options = options
        self._vllm = vllm
        self.engine = vllm.LLM(model=resolve_model(options.model), dtype=options.dtype,
                               enable_lora=bool(options.adapters), max_loras=max(1, len(options.adapters)),
                               enable_prefix_caching=options.prefix_reuse, max_model_len=options.max_model_len,
                               tensor_parallel_size=options.tensor_parallel_size,
                               gpu_memory_utilization=options.gpu_memory_utilization)
        self.requests = {a: LoRARequest(f"adapter{i}", i + 1, a) for i, a in enumerate(options.adapters)}
        self.active = None
        self.seed = 0
        for adapter, request in self.requests.items():
            effect = self._probe_effect(request)
            if effect <= ADAPTER_MIN_EFFECT:
                raise EvalError(f"the adapter changes no next-token log-probability by more than {ADAPTER_MIN_EFFECT}"
                                ": the run would evaluate the base model", adapter)

    def _probe_effect(self, request) -> float:
        params = self._vllm.SamplingParams(temperature=0, max_tokens=1, logprobs=_PROBE_TOP)
        base = self.engine.generate([PROBE], params, use_tqdm=False)[0].outputs[0].logprobs[0]
        adapted = self.engine.generate([PROBE], params, lora_request=request, use_tqdm=False)[0].outputs[0].logprobs[0]
        shared = base.keys() & adapted.keys()
        if shared != base.keys():
            return float("inf")
        return max(abs(base[t].logprob - adapted[t].logprob) for t in shared)

    def use_seed(self, seed: int) -> None:
        self.seed = seed

    def use_adapter(self, adapter: str | None) -> None:
        self.active = self.requests[adapter] if adapter is not None else None

    def over_window(self, prompts: Sequence[str], max_new_tokens: int) -> list[int]:
        window = self.engine.llm_engine.model_config.max_model_len
        tokenizer = self.engine.get_tokenizer()
        return [i for i, prompt in enumerate(prompts) if len(tokenizer(prompt)["input_ids"]) + max_new_tokens > window]

    def generate(self, prompts: Sequence[str], max_new_tokens: int) -> Iterator[list[tuple[int, str]]]:
        sampling = {"temperature": self.options.temperature, "top_p": self.options.top_p, "seed": self.seed} \
            if self.options.sampling else {"temperature": 0}
        params = self._vllm.SamplingParams(max_tokens=max_new_tokens, **sampling)
        if self.options.chat_template:
            conversations = [[{"role": "user", "content": p}] for p in prompts]
            outputs = self.engine.chat(conversations, params, lora_request=self.active, use_tqdm=False)
        else:
            outputs = self.engine.generate(list(prompts), params, lora_request=self.active, use_tqdm=False)
        yield [(i, out.outputs[0].text) for i, out in enumerate(outputs)]

    def describe(self) -> dict:
        return {"backend": "vllm", "model": self.options.model, "dtype": self.options.dtype,
                "chat_template": self.options.chat_template, "prefix_caching": self.options.prefix_reuse,
                "max_model_len": self.engine.llm_engine.model_config.max_model_len,
                "tensor_parallel_size": self.options.tensor_parallel_size,
                "gpu_memory_utilization": self.options.gpu_memory_utilization}

    def reset_counters(self) -> None:
        """vLLM reserves its GPU memory up front and keeps its prefix cache to itself: nothing to reset."""

    def token_counts(self) -> None:
        return None

    def peak_memory(self) -> None:
        return None

"""The transformers backend: batched greedy (or seeded sampled) generation, with optional unmerged PEFT adapters.

Prompts are sorted by token length (longest first, so a batch that does not fit
fails at once) and generated in batches with left padding; each completion ends
at EOS or after the dataset's max_new_tokens. The base can be loaded in 8 or 4
bits (bitsandbytes) or split across GPUs by layers (`device_map="auto"`).

Shared prefixes are computed once (`prefix_reuse`, on by default). The tokens that
all prompts of a call share (a dataset's instruction and tag list) are run through
the model once, into a key/value cache of batch size 1; a batch whose prompts share
more extends a copy of it. The batch then runs only each row's own tokens, attending
to that one copy (shared_prefix.py). A prompt's states depend only on the tokens
before it, so the outputs are those of the plain path, token for token
(tests/eval/backends/test_hf.py). `token_counts` says how many prompt tokens the
model computed of all it was given.

Adapters stay separate from the base weights, so several can be evaluated on one
loaded base. Each is checked when loaded: if switching it on changes no logit of
a probe prompt by more than ADAPTER_MIN_EFFECT, the run stops, because it would
silently evaluate the base model. A mixture of LoRA experts (an X-LoRA folder that
finlora-train mix writes, finlora_common.mixture) is evaluated alone, with its
router, and without the shared-prefix cache: X-LoRA routes every token from a full
forward pass without a cache.
"""
from __future__ import annotations

import copy
import resource
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from finlora_common.mixture import is_mixture, load_mixture
from finlora_common.packaged_models import resolve_model
from finlora_common.prefix import cache_keyword, shared_prefix
from finlora_eval.backends import BackendOptions, require
from finlora_eval.errors import EvalError

ADAPTER_MIN_EFFECT = 1e-4
PROBE = ("Instruction: What is the sentiment of this news?\nInput: Quarterly revenue rose 12% on strong demand.\n"
         "Answer: ")
_DTYPES = {"float32", "bfloat16", "float16"}


@dataclass(frozen=True)
class _Prefix:
    tokens: tuple[int, ...]
    cache: object
    """transformers' DynamicCache of the tokens, batch size 1."""


class HFBackend:
    def __init__(self, options: BackendOptions):
        torch = require("torch", "the hf backend", "'finlora[eval]'")
        transformers = require("transformers", "the hf backend", "'finlora[eval]'")
        self._torch, self._transformers = torch, transformers
        self.options = options
        self.path = resolve_model(options.model)
        self.device = options.device or ("cuda" if torch.cuda.is_available() else "cpu")
        if options.dtype != "auto" and options.dtype not in _DTYPES:
            raise EvalError(f"unknown dtype {options.dtype!r}", hint=f"choose auto, {', '.join(sorted(_DTYPES))}")
        self.dtype = options.dtype if options.dtype != "auto" else (
            "bfloat16" if self.device.startswith("cuda") else "float32")
        kwargs: dict = {"dtype": getattr(torch, self.dtype)}
        if options.load_in:
            require("bitsandbytes", f"{options.load_in} loading", "bitsandbytes (and use a CUDA GPU)")
            kwargs["quantization_config"] = transformers.BitsAndBytesConfig(
                load_in_8bit=options.load_in == "8bit", load_in_4bit=options.load_in == "4bit",
                bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)
        if options.device_map or options.load_in:
            kwargs["device_map"] = options.device_map or self.device
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(self.path)
            model = transformers.AutoModelForCausalLM.from_pretrained(self.path, **kwargs)
        except (OSError, ValueError) as exc:
            raise EvalError(f"cannot load model {options.model}: {exc}".splitlines()[0]) from None
        if "device_map" not in kwargs:
            model.to(self.device)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        if options.chat_template and not self.tokenizer.chat_template:
            raise EvalError(f"model {options.model} has no chat template", hint="drop --chat-template")
        # The model's own end tokens where it lists them (Llama 3 Instruct ends turns with <|eot_id|>, not EOS).
        self.generation = {"do_sample": options.sampling, "pad_token_id": self.tokenizer.pad_token_id,
                           "eos_token_id": model.generation_config.eos_token_id or self.tokenizer.eos_token_id}
        if options.sampling:  # temperature and top-p only: no top-k from a default generation config
            self.generation |= {"temperature": options.temperature, "top_p": options.top_p, "top_k": 0}
        self.seed = 0
        self._config = transformers.GenerationConfig
        self.adapter_names = {adapter: f"adapter{i}" for i, adapter in enumerate(options.adapters)}
        self.mixture = any(is_mixture(Path(adapter)) for adapter in options.adapters)
        self.model = self._with_adapters(model).eval()
        # A sliding-window cache counts positions by slot, which the padding after a shared prefix would shift; a
        # mixture of experts routes every token from a full forward pass, without a cache.
        self.reuse = (options.prefix_reuse and not getattr(model.config, "sliding_window", None)
                      and not self.mixture)
        self.counts = {"prompt": 0, "computed": 0}
        self._prefix: _Prefix | None = None
        from finlora_eval.backends import shared_prefix  # needs torch, which `require` checked above
        self._decode, self._last_logits = shared_prefix.decode, shared_prefix.last_logits

    def _with_adapters(self, model):
        if not self.adapter_names:
            return model
        peft = require("peft", "adapters", "'finlora[eval]'")
        if self.mixture:
            return self._with_mixture(model)
        for adapter, name in self.adapter_names.items():
            try:
                if isinstance(model, peft.PeftModel):
                    model.load_adapter(adapter, adapter_name=name)
                else:
                    model = peft.PeftModel.from_pretrained(model, adapter, adapter_name=name)
            except (OSError, ValueError) as exc:
                raise EvalError(f"cannot load adapter: {exc}".splitlines()[0], adapter) from None
        for adapter, name in self.adapter_names.items():
            model.set_adapter(name)
            effect = self._adapter_effect(model)
            if effect <= ADAPTER_MIN_EFFECT:
                raise EvalError(f"the adapter changes no logit by more than {ADAPTER_MIN_EFFECT} "
                                f"(largest change {effect:.3g}): the run would evaluate the base model", adapter,
                                hint="check that the adapter was trained and saved, and matches the base model")
        return model

    def _with_mixture(self, model):
        """The one mixture-of-experts folder given (finlora_common.mixture), which holds its experts."""
        if len(self.adapter_names) > 1:
            raise EvalError("a mixture of LoRA experts is evaluated alone, not beside other adapters in one run",
                            hint="run each --adapter separately")
        [(adapter, name)] = self.adapter_names.items()
        try:
            return load_mixture(model, Path(adapter), adapter_name=name)
        except (OSError, ValueError) as exc:
            raise EvalError(f"cannot load the mixture of experts: {exc}".splitlines()[0], adapter) from None

    def _adapter_effect(self, model) -> float:
        """The largest change the active adapter makes to the logits of the probe prompt."""
        encoded = self.tokenizer(PROBE, return_tensors="pt").to(model.device)
        with self._torch.inference_mode():
            adapted = model(**encoded).logits.float()
            with model.disable_adapter():
                base = model(**encoded).logits.float()
        return float((adapted - base).abs().max())

    def use_seed(self, seed: int) -> None:
        self.seed = seed

    def _sampler(self):
        """The next token drawn as `generate` samples: temperature, then top-p, then one draw from the softmax."""
        transformers, torch = self._transformers, self._torch
        warpers = transformers.LogitsProcessorList([transformers.TemperatureLogitsWarper(self.options.temperature),
                                                    transformers.TopPLogitsWarper(self.options.top_p)])
        return lambda logits: torch.multinomial(warpers(None, logits).softmax(-1), 1).squeeze(1)

    def use_adapter(self, adapter: str | None) -> None:
        if adapter is not None and not self.mixture:  # a mixture is the only adapter, always active
            self.model.set_adapter(self.adapter_names[adapter])

    def _render(self, prompt: str) -> str:
        if not self.options.chat_template:
            return prompt
        return self.tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                                  add_generation_prompt=True)

    def _encode(self, texts: Sequence[str]) -> list[list[int]]:
        # A rendered chat template already holds the special tokens the model expects.
        return self.tokenizer(list(texts), add_special_tokens=not self.options.chat_template)["input_ids"]

    def over_window(self, prompts: Sequence[str], max_new_tokens: int) -> list[int]:
        window = getattr(self.model.config, "max_position_embeddings", None)
        if window is None or not prompts:
            return []
        encoded = self._encode([self._render(p) for p in prompts])
        return [i for i, ids in enumerate(encoded) if len(ids) + max_new_tokens > window]

    def generate(self, prompts: Sequence[str], max_new_tokens: int) -> Iterator[list[tuple[int, str]]]:
        encoded = self._encode([self._render(p) for p in prompts])
        order = sorted(range(len(encoded)), key=lambda i: (-len(encoded[i]), i))
        config = self._config(**self.generation, max_new_tokens=max_new_tokens)
        if self.options.sampling:  # both paths draw from torch's global generator
            self._torch.manual_seed(self.seed)
        # The prefix every prompt shares, computed once per call (so for the adapter active now); batches whose
        # prompts share more extend a copy of it.
        self._prefix = self._prefix_cache(encoded[0][:shared_prefix(encoded)], None) if self.reuse and encoded else None
        for start in range(0, len(order), self.options.batch_size):
            batch = order[start:start + self.options.batch_size]
            output = self._generate_batch([encoded[i] for i in batch], config)
            yield list(zip(batch, self.tokenizer.batch_decode(output, skip_special_tokens=True)))

    def _generate_batch(self, rows: list[list[int]], config):
        """Output tokens of one batch. With a shared prefix the rows run only their own tokens, attending to the one
        copy of the prefix's keys and values (shared_prefix.decode); otherwise `generate` runs the whole prompts,
        left-padded. Greedy outputs are the same either way; sampled ones depend on the path, as rows leave
        shared_prefix's batch when they end and so draw fewer random numbers."""
        self.counts["prompt"] += sum(len(r) for r in rows)
        prefix = None
        if self.reuse:  # a batch of one shares nothing with itself, but still the call's prefix
            length = max(shared_prefix(rows), len(self._prefix.tokens) if self._prefix else 0)
            prefix = self._prefix_cache(rows[0][:length], self._prefix)
        if prefix is not None:
            length = len(prefix.tokens)
            self.counts["computed"] += sum(len(r) - length for r in rows)
            eos = config.eos_token_id if isinstance(config.eos_token_id, list) else [config.eos_token_id]
            choose = {"choose": self._sampler()} if self.options.sampling else {}
            return self._decode(self.model, prefix.cache, length, [r[length:] for r in rows],
                                config.max_new_tokens, eos, config.pad_token_id, **choose)
        self.counts["computed"] += sum(len(r) for r in rows)
        encoded = self.tokenizer.pad({"input_ids": rows}, return_tensors="pt").to(self.model.device)
        with self._torch.inference_mode():
            output = self.model.generate(**encoded, generation_config=config)
        return output[:, encoded["input_ids"].shape[1]:]

    def choice_logprobs(self, prompts: Sequence[str], choices: Sequence[str]) -> list[list[float]]:
        """Per prompt, per choice, the summed log-probability of the choice's tokens after the prompt. As in
        lm-evaluation-harness, the prompt's trailing whitespace moves to the front of the choice (`Answer: ` +
        `positive` is scored as `Answer:` + ` positive`), and the choice's tokens are those of the whole text after
        the prompt's own. The prompts' shared prefix (a few-shot block, an instruction) is computed once, as for
        generation; each (prompt, choice) pair then runs its own tokens, and only the positions that predict the
        choice's tokens reach the output layer."""
        texts = [self._render(prompt) for prompt in prompts]
        context_ids = self._encode([text.rstrip() for text in texts])
        whole_ids = self._encode([text + choice for text in texts for choice in choices])
        pairs = []
        for position, whole in enumerate(whole_ids):
            context = context_ids[position // len(choices)]
            if not context or whole[:len(context)] != context or len(whole) == len(context):
                raise EvalError(f"choice {choices[position % len(choices)]!r} does not extend the tokens of prompt "
                                f"{position // len(choices)}", hint="log-likelihood needs a non-empty prompt")
            pairs.append((whole, len(context)))
        length = shared_prefix(context_ids) if self.reuse else 0
        prefix = self._prefix_cache(context_ids[0][:length], None)
        self.counts["prompt"] += sum(len(whole) for whole, _ in pairs)
        self.counts["computed"] += sum(len(whole) - length for whole, _ in pairs)
        order = sorted(range(len(pairs)), key=lambda i: (-len(pairs[i][0]), i))
        sums = [0.0] * len(pairs)
        for start in range(0, len(order), self.options.batch_size):
            batch = order[start:start + self.options.batch_size]
            # The logits at position t predict token t + 1: a choice of n tokens reads the n before the last.
            keep = 1 + max(len(pairs[i][0]) - pairs[i][1] for i in batch)
            logits = self._last_logits(self.model, prefix and prefix.cache, length,
                                       [pairs[i][0][length:] for i in batch], keep, self.generation["pad_token_id"])
            for row, i in enumerate(batch):
                whole, begin = pairs[i]
                predicted = logits[row, keep - 1 - (len(whole) - begin):keep - 1].float().log_softmax(-1)
                tokens = self._torch.tensor(whole[begin:], device=predicted.device)
                sums[i] = float(predicted.gather(1, tokens[:, None]).sum())
        return [sums[p * len(choices):(p + 1) * len(choices)] for p in range(len(prompts))]

    def _prefix_cache(self, tokens: list[int], start: _Prefix | None) -> _Prefix | None:
        """A new key/value cache of `tokens`, extending a copy of `start`'s (which holds their beginning) or from
        nothing; None for no tokens."""
        if not tokens:
            return None
        if start is not None and tuple(tokens[:len(start.tokens)]) != start.tokens:
            raise AssertionError("a prefix cache extended with tokens it does not start")
        if start is not None and len(tokens) == len(start.tokens):
            return start
        cache = copy.deepcopy(start.cache) if start is not None else self._transformers.DynamicCache()
        done = len(start.tokens) if start is not None else 0
        if done < len(tokens):
            with self._torch.inference_mode():
                self.model(input_ids=self._torch.tensor([tokens[done:]], device=self.model.device), use_cache=True,
                           **{cache_keyword(self.model): cache})
            self.counts["computed"] += len(tokens) - done
        return _Prefix(tuple(tokens), cache)

    def describe(self) -> dict:
        return {"backend": "hf", "model": self.options.model, "model_path": str(self.path), "dtype": self.dtype,
                "device": str(self.model.device), "device_map": self.options.device_map,
                "load_in": self.options.load_in, "chat_template": self.options.chat_template,
                "batch_size": self.options.batch_size, "prefix_reuse": self.reuse}

    def token_counts(self) -> dict:
        return dict(self.counts)

    def reset_counters(self) -> None:
        self.counts = {"prompt": 0, "computed": 0}
        if self._torch.cuda.is_available():
            self._torch.cuda.reset_peak_memory_stats()

    def peak_memory(self) -> dict:
        if self._torch.cuda.is_available():
            return {"mib": self._torch.cuda.max_memory_allocated() / 2**20, "kind": "CUDA max allocated"}
        # Linux reports ru_maxrss in KiB; it is the process's peak so far, not resettable.
        return {"mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "kind": "process peak RSS"}

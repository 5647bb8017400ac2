"""Tokenised training examples and the order they are batched in.

An example is the prompt's tokens followed by the answer's tokens and EOS; only
the answer (with EOS) carries labels. Prompt and answer are tokenised separately,
exactly as generation at evaluation time sees them.

Batch orders are pure functions of (seed, epoch), so a resumed run replays the
same order. Strategies:
- `random`: a seeded shuffle, cut into batches (what a plain Trainer does);
- `group_by_length`: the shuffle is cut into mega-batches that are sorted by prompt
  head and then by length before being cut into batches, so a batch holds similar
  lengths (little padding) and usually one prompt template (a long shared prefix,
  see below); batch order is shuffled again, the longest batch first (memory
  errors show at once);
- `packed`: the `random` batches, laid out padding-free: each batch is one row
  of its examples back to back, with position ids restarting at every example,
  which transformers turns into a block-diagonal attention mask.

The tokens that every example of a padded batch starts with (`shared_prefix`: the
instruction of a prompt template, typically) are run through the decoder once per
batch instead of once per example (modeling.AnswerLoss).
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from finlora_common.prefix import shared_prefix as common_prefix
from finlora_train.errors import TrainError
from finlora_train.modeling import IGNORE

MEGABATCH = 64
"""Batches per sorted mega-batch in `group_by_length` (larger: less padding, less randomness)."""
BATCHES_PER_HEAD = 4
"""A mega-batch is sorted by prompt heads that each cover this many batches on average: a template, not a text."""


@dataclass(frozen=True)
class Example:
    input_ids: tuple[int, ...]
    prompt_length: int
    """Tokens before the answer; labels start here."""

    @property
    def answer_tokens(self) -> int:
        return len(self.input_ids) - self.prompt_length


@dataclass(frozen=True)
class Encoded:
    examples: tuple[Example, ...]
    truncated: int
    """Prompts cut at the end to fit max_length (the answer is always kept whole)."""
    pad_id: int


def encode(rows: Sequence[dict], tokenizer, max_length: int) -> Encoded:
    """Tokenise `{context, target}` rows; prompts too long are cut so that the whole answer fits."""
    if not rows:
        raise TrainError("no training rows")
    prompts = tokenizer([row["context"] for row in rows])["input_ids"]
    answers = tokenizer([row["target"] for row in rows], add_special_tokens=False)["input_ids"]
    examples, truncated = [], 0
    for prompt, answer in zip(prompts, answers):
        answer = list(answer) + [tokenizer.eos_token_id]
        room = max_length - len(answer)
        if room < 1:
            raise TrainError(f"an answer of {len(answer)} tokens does not fit max_length={max_length}",
                             hint="raise max_length (--set max_length=N)")
        if len(prompt) > room:
            prompt, truncated = prompt[:room], truncated + 1
        examples.append(Example(tuple(prompt) + tuple(answer), len(prompt)))
    return Encoded(tuple(examples), truncated, tokenizer.pad_token_id)


def batch_order(examples: Sequence[Example], batch_size: int, strategy: str, seed: int,
                epoch: int) -> list[list[int]]:
    """The batches (lists of example indices) of one epoch."""
    rng = random.Random(f"{seed}:{epoch}")
    order = list(range(len(examples)))
    rng.shuffle(order)
    if strategy != "group_by_length":
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    size = batch_size * MEGABATCH
    batches = []
    for start in range(0, len(order), size):
        mega = order[start:start + size]
        most_heads = max(1, len(mega) // (batch_size * BATCHES_PER_HEAD))
        heads = _template_heads([examples[i] for i in mega], most_heads)
        mega = sorted(mega, key=lambda i: (heads[examples[i]], -len(examples[i].input_ids)))
        batches.extend(mega[i:i + batch_size] for i in range(0, len(mega), batch_size))
    longest = max(range(len(batches)), key=lambda b: max(len(examples[i].input_ids) for i in batches[b]))
    first = batches.pop(longest)
    rng.shuffle(batches)
    return [first, *batches]


def _template_heads(examples: Sequence[Example], most: int) -> dict[Example, tuple[int, ...]]:
    """Each example's first h prompt tokens, for the longest h at which the examples have at most `most`
    distinct heads."""
    def heads(h: int) -> dict[Example, tuple[int, ...]]:
        return {e: e.input_ids[:min(h, e.prompt_length)] for e in examples}

    low, high = 0, max(e.prompt_length for e in examples)
    while low < high:  # the number of distinct heads only grows with h
        middle = (low + high + 1) // 2
        if len(set(heads(middle).values())) <= most:
            low = middle
        else:
            high = middle - 1
    return heads(low)


def shared_prefix(examples: Sequence[Example]) -> int:
    """How many leading prompt tokens every example shares (finlora_common.prefix.shared_prefix)."""
    return common_prefix([e.input_ids for e in examples], [e.prompt_length for e in examples])


def _labels(example: Example) -> list[int]:
    return [IGNORE] * example.prompt_length + list(example.input_ids[example.prompt_length:])


def collate(examples: Sequence[Example], pad_id: int, packed: bool) -> dict[str, torch.Tensor]:
    """Tensors of one batch: right-padded rows with an attention mask, or one packed row with position ids."""
    if packed:
        ids = [t for e in examples for t in e.input_ids]
        return {"input_ids": torch.tensor([ids]),
                "labels": torch.tensor([[t for e in examples for t in _labels(e)]]),
                "position_ids": torch.tensor([[p for e in examples for p in range(len(e.input_ids))]])}
    width = max(len(e.input_ids) for e in examples)
    pad = [width - len(e.input_ids) for e in examples]
    return {"input_ids": torch.tensor([list(e.input_ids) + [pad_id] * n for e, n in zip(examples, pad)]),
            "labels": torch.tensor([_labels(e) + [IGNORE] * n for e, n in zip(examples, pad)]),
            "attention_mask": torch.tensor([[1] * len(e.input_ids) + [0] * n for e, n in zip(examples, pad)])}

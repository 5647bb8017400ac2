"""Shared prompt prefixes: how many leading tokens a set of token sequences has in common, and the keyword a
transformers module takes a key/value cache by.

The trainer runs a batch's shared prefix through the decoder once (finlora_train.modeling.AnswerLoss); the hf
evaluation backend keeps the key/value cache of a dataset's shared prefix and starts every prompt from a copy.
Both leave each sequence its last prompt token: that token's output is the first prediction.
"""
from __future__ import annotations

import inspect
from collections.abc import Sequence

MIN_SHARED_PREFIX = 8
"""A shorter common prefix is not worth a second model call."""


def shared_prefix(sequences: Sequence[Sequence[int]], lengths: Sequence[int] | None = None) -> int:
    """How many leading tokens every sequence shares, short of the last of its first `lengths[i]` tokens (default:
    all of them); 0 for fewer than two sequences or a prefix under MIN_SHARED_PREFIX tokens."""
    if len(sequences) < 2:
        return 0
    limit = min(lengths if lengths is not None else map(len, sequences)) - 1
    first = sequences[0]
    length = 0
    while length < limit and all(s[length] == first[length] for s in sequences):
        length += 1
    return length if length >= MIN_SHARED_PREFIX else 0


def cache_keyword(module) -> str:
    """The keyword of a transformers model's key/value cache: `cache` in recent transformers (5.24), `past_key_values`
    in older ones. A PEFT model passes it on to its base, so the base's signature decides."""
    base = module.get_base_model() if hasattr(module, "get_base_model") else module
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"

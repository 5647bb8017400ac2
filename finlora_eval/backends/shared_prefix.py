"""Greedy generation, and the logits of prompts' last tokens, for a batch of prompts that share a prefix whose keys
and values are held once.

The hf backend runs the shared prefix through the model once, at batch size 1. A batch then runs only its rows' own
tokens: while `decode` runs, the model's attention is an implementation registered with transformers'
AttentionInterface that lets each query attend to the one copy of the prefix and to its row's own cached tokens, in
a single softmax over both. No row holds a copy of the prefix, so prefill reads it without copying and each decoding
step appends to short per-row caches only. Positions continue from the prefix length, which gives each row the
states it would have alone (tests/eval/backends/test_hf.py compares the outputs with plain `generate`).
"""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import torch
from transformers import AttentionInterface, DynamicCache

from finlora_common.prefix import cache_keyword
from finlora_eval.errors import EvalError

ATTENTION = "finlora_shared_prefix"
_FLASH_CPU = getattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu", None)


@dataclass
class _Shared:
    keys: list[torch.Tensor]
    """Per layer, the prefix keys as (1, key heads, prefix length, head size); values alike."""
    values: list[torch.Tensor]
    layers_seen: set[int] = field(default_factory=set)


_ACTIVE: contextvars.ContextVar[_Shared | None] = contextvars.ContextVar("finlora_shared_prefix", default=None)


def _attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """Attention of `query` (batch, heads, queries, head size) over the shared prefix and the row's own `key` and
    `value` (batch, key heads, keys, head size); `attention_mask` (batch, 1, queries, keys) is True where a query may
    see one of its row's keys (the prefix is visible to all). The two parts are attended separately and merged by
    their log-sum-exp, which is one softmax over both."""
    shared = _ACTIVE.get()
    if shared is None:
        raise RuntimeError(f"the {ATTENTION} attention runs only inside shared_prefix.decode")
    shared.layers_seen.add(module.layer_idx)
    batch, heads, queries, size = query.shape
    key_heads = key.shape[1]
    groups = heads // key_heads  # query head h reads key head h // groups, as transformers' repeat_kv lays them out
    scale = scaling if scaling is not None else size ** -0.5
    # Each key head's query groups folded into the query axis: grouped attention without copying any keys.
    folded = query.reshape(batch, key_heads, groups * queries, size)
    flash = query.device.type == "cpu" and _FLASH_CPU is not None
    # Every query of every row sees the whole prefix, so the rows are stacked on the query axis too: one call reads
    # the prefix once for the batch (a decoding step then multiplies a matrix, not one small vector per row).
    stacked = folded.transpose(0, 1).reshape(1, key_heads, batch * groups * queries, size)
    on_prefix, prefix_lse = _attend(stacked, shared.keys[module.layer_idx], shared.values[module.layer_idx], None,
                                    scale, flash)
    on_prefix = on_prefix.reshape(key_heads, batch, groups * queries, size).transpose(0, 1)
    prefix_lse = prefix_lse.reshape(key_heads, batch, groups * queries).transpose(0, 1)
    mask = attention_mask[:, :, None].expand(-1, -1, groups, -1, -1).reshape(batch, 1, groups * queries, -1)
    on_own, own_lse = _attend(folded, key, value, mask, scale, flash)
    top = torch.maximum(prefix_lse, own_lse)
    prefix_weight, own_weight = (prefix_lse - top).exp()[..., None], (own_lse - top).exp()[..., None]
    output = (on_prefix * prefix_weight + on_own * own_weight) / (prefix_weight + own_weight)
    return output.to(query.dtype).reshape(batch, heads, queries, size).transpose(1, 2).contiguous(), None


def _attend(query, key, value, mask, scale, flash: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Softmax attention (float32) and the log-sum-exp of each query's scores. With `flash`, the CPU flash kernel
    that scaled_dot_product_attention runs there (it also returns the log-sum-exp); otherwise the scores are computed
    whole. A query that sees no key (padding, in the own part only) gets zeros of log-sum-exp -inf: no weight."""
    if flash:
        bias = None if mask is None else torch.zeros(mask.shape, dtype=query.dtype, device=query.device).masked_fill(
            ~mask, float("-inf"))
        output, lse = _FLASH_CPU(query, key, value, 0.0, False, attn_mask=bias, scale=scale)
        lse = lse.float() if mask is None else lse.float().masked_fill(~mask.any(dim=-1), float("-inf"))
        return output.float(), lse
    scores = torch.matmul(query.float(), key.float().transpose(-1, -2)) * scale
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    lse = scores.logsumexp(dim=-1)
    weights = (scores - lse[..., None]).exp().nan_to_num(0.0)
    return torch.matmul(weights, value.float()), lse.nan_to_num(float("-inf"))


AttentionInterface.register(ATTENTION, _attention)


@contextlib.contextmanager
def _attending_to(model, cache: DynamicCache) -> Iterator[_Shared]:
    shared = _Shared([layer.keys for layer in cache.layers], [layer.values for layer in cache.layers])
    before = model.config._attn_implementation
    token = _ACTIVE.set(shared)
    model.config._attn_implementation = ATTENTION
    try:
        yield shared
    finally:
        model.config._attn_implementation = before
        _ACTIVE.reset(token)


def decode(model, prefix: DynamicCache, prefix_length: int, rows: Sequence[Sequence[int]], max_new_tokens: int,
           eos: Sequence[int], pad: int,
           choose: Callable[[torch.Tensor], torch.Tensor] = lambda logits: logits.argmax(dim=-1)) -> torch.Tensor:
    """Continuations (batch, up to max_new_tokens; `pad` after a row's end token) of prompts that are the
    `prefix_length` tokens held in `prefix` (a cache of batch size 1) followed by each of `rows` (at least one token
    each). Each next token is `choose(logits)` of the last position's logits (batch, vocabulary): greedy by default,
    as `generate` would give for the whole prompts. A row leaves the batch when it ends."""
    device = model.device
    ids, seen, positions = _left_padded(rows, pad, prefix_length, device)
    own = DynamicCache()
    ends = torch.tensor(list(eos), device=device)
    output = torch.full((len(rows), max_new_tokens), pad, device=device)
    running = torch.arange(len(rows), device=device)  # the rows still in the batch, by their index in `rows`
    steps = 0
    with _attending_to(model, prefix) as shared, torch.inference_mode():
        while steps < max_new_tokens:
            logits = model(input_ids=ids, attention_mask=_mask(seen, ids.shape[1]), position_ids=positions,
                           use_cache=True, logits_to_keep=1, **{cache_keyword(model): own}).logits[:, -1].float()
            if len(shared.layers_seen) != len(shared.keys):
                raise EvalError(f"{len(shared.layers_seen)} of the model's {len(shared.keys)} layers attended "
                                "through the shared prefix", hint="rerun with --no-prefix-reuse")
            chosen = choose(logits)
            output[running, steps] = chosen
            steps += 1
            going = ~torch.isin(chosen, ends)
            if not bool(going.any()):
                break
            if not bool(going.all()):
                keep = going.nonzero().squeeze(1)
                own.batch_select_indices(keep)
                running, chosen, positions, seen = running[keep], chosen[keep], positions[keep], seen[keep]
            ids, positions = chosen[:, None], positions[:, -1:] + 1
            seen = torch.cat([seen, torch.ones_like(seen[:, :1])], dim=1)
    return output[:, :steps]


def last_logits(model, prefix: DynamicCache | None, prefix_length: int, rows: Sequence[Sequence[int]], keep: int,
                pad: int) -> torch.Tensor:
    """Logits (batch, keep, vocabulary) at the last `keep` positions of each of `rows`, in one forward pass, after the
    `prefix_length` tokens held in `prefix` (None: no prefix, prefix_length 0). Rows are left-padded so that all end
    at the last position (a row shorter than `keep` has pad logits in front); only those positions go through the
    output layer."""
    ids, seen, positions = _left_padded(rows, pad, prefix_length, model.device)
    with contextlib.ExitStack() as stack, torch.inference_mode():
        if prefix is None:
            mask = seen.long()
        else:
            stack.enter_context(_attending_to(model, prefix))
            mask = _mask(seen, ids.shape[1])
        return model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=False,
                     logits_to_keep=keep).logits


def _left_padded(rows: Sequence[Sequence[int]], pad: int, prefix_length: int,
                 device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Token ids (batch, width) with `pad` in front of shorter rows, where the real tokens are, and the positions that
    continue from the prefix (a pad takes its row's first position; nothing sees it)."""
    width = max(len(r) for r in rows)
    ids = torch.tensor([[pad] * (width - len(r)) + list(r) for r in rows], device=device)
    seen = torch.tensor([[False] * (width - len(r)) + [True] * len(r) for r in rows], device=device)
    return ids, seen, prefix_length + (seen.long().cumsum(-1) - 1).clamp(min=0)


def _mask(seen: torch.Tensor, queries: int) -> torch.Tensor:
    """(batch, 1, queries, keys): the last `queries` of a row's keys each see the row's real keys up to itself."""
    keys = seen.shape[1]
    causal = torch.arange(keys, device=seen.device)[None, :] <= torch.arange(keys - queries, keys,
                                                                             device=seen.device)[:, None]
    return (seen[:, None, None, :] & causal[None, None]).contiguous()

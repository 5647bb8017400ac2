"""The shared-prefix attention: one softmax over a prefix held once and each row's own keys, as plain attention over
the prefix copied into every row gives it (generation on real models: test_hf.py)."""
import pytest
import torch

from finlora_eval.backends import shared_prefix


class _Layer(torch.nn.Module):
    layer_idx = 0


@pytest.mark.parametrize("flash", [True, False], ids=["cpu-flash-kernel", "whole-scores"])
def test_attention_over_a_held_prefix_equals_attention_over_copies_of_it(flash, monkeypatch):
    if not flash:
        monkeypatch.setattr(shared_prefix, "_FLASH_CPU", None)
    generator = torch.Generator().manual_seed(0)
    batch, heads, key_heads, prefix, own, size = 3, 6, 2, 11, 5, 8

    def normal(*shape):
        return torch.randn(*shape, generator=generator)

    prefix_keys, prefix_values = normal(1, key_heads, prefix, size), normal(1, key_heads, prefix, size)
    keys, values, queries = normal(batch, key_heads, own, size), normal(batch, key_heads, own, size), normal(
        batch, heads, own, size)
    # Row 0 has two padding keys in front; queries see their row's real keys up to themselves.
    seen = torch.ones(batch, own, dtype=torch.bool)
    seen[0, :2] = False
    mask = shared_prefix._mask(seen, own)
    shared = shared_prefix._Shared([prefix_keys], [prefix_values])
    token = shared_prefix._ACTIVE.set(shared)
    try:
        output, _ = shared_prefix._attention(_Layer(), queries, keys, values, mask, scaling=0.3)
    finally:
        shared_prefix._ACTIVE.reset(token)

    whole_keys = torch.cat([prefix_keys.expand(batch, -1, -1, -1), keys], dim=2).repeat_interleave(heads // key_heads, 1)
    whole_values = torch.cat([prefix_values.expand(batch, -1, -1, -1), values], dim=2).repeat_interleave(
        heads // key_heads, 1)
    whole_mask = torch.cat([torch.ones(batch, 1, own, prefix, dtype=torch.bool), mask], dim=-1)
    expected = torch.nn.functional.scaled_dot_product_attention(queries, whole_keys, whole_values,
                                                                attn_mask=whole_mask, scale=0.3).transpose(1, 2)
    assert output.shape == (batch, own, heads, size) and shared.layers_seen == {0}
    assert torch.allclose(output, expected, atol=1e-5)
    assert torch.isfinite(output).all()  # row 0's padding queries see only the prefix


def test_the_mask_lets_each_new_query_see_its_row_up_to_itself():
    seen = torch.tensor([[False, True, True, True], [True, True, True, True]])
    last_two = shared_prefix._mask(seen, 2)
    assert last_two.shape == (2, 1, 2, 4)
    assert last_two[0, 0].tolist() == [[False, True, True, False], [False, True, True, True]]
    assert last_two[1, 0].tolist() == [[True, True, True, False], [True, True, True, True]]


def test_the_attention_refuses_to_run_outside_decode():
    with pytest.raises(RuntimeError, match="only inside"):
        shared_prefix._attention(_Layer(), *(torch.zeros(1, 1, 1, 4) for _ in range(3)), None)

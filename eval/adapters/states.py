"""Frozen lower-layer states, computed once, and the LoRA'd top layers run on them.

The culture adapters put LoRA only on the top layers (FIRST_LORA_LAYER and up), so the
lower layers are the frozen base model for every adapter: their output (the input of the
first LoRA layer) is computed once per (question, country) prompt and reused by every
expert, the dense adapter, every epoch and the base model's own scores. A question's
prefix runs once (its KV cache shared); each country's suffix runs on that cache. The
result is the same function as a plain forward pass of the peft model on the same token
ids (tests/eval/adapters check it), at a fraction of the cost on a CPU.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from tqdm.auto import tqdm

from agent.cultures import encode, group_suffix

FIRST_LORA_LAYER = 24  # of SmolLM2-135M's 30: LoRA on layers 24-29


def _cache_of(out):
    return getattr(out, "cache", None) or getattr(out, "past_key_values", None)


@torch.no_grad()
def lower_states(
    model, tokenizer, rows: Sequence, first_layer: int = FIRST_LORA_LAYER, progress=True
) -> list[torch.Tensor]:
    """Per row, the (tokens, hidden) input of layer `first_layer` for its prompt."""
    by_prefix: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_prefix.setdefault(r.prefix, []).append(i)
    out: list[torch.Tensor | None] = [None] * len(rows)
    for prefix, idx in tqdm(by_prefix.items(), desc="lower-layer states", disable=not progress):
        head, _ = encode(tokenizer, prefix, "")
        first = model(input_ids=torch.tensor([head]), use_cache=True, output_hidden_states=True)
        cache = _cache_of(first)
        head_state = first.hidden_states[first_layer][0]
        for i in idx:
            ids, n = encode(tokenizer, prefix, group_suffix(rows[i].country))
            tail = model(
                input_ids=torch.tensor([ids[n:]]),
                cache=cache,
                use_cache=True,
                output_hidden_states=True,
            )
            out[i] = torch.cat([head_state, tail.hidden_states[first_layer][0]]).clone()
            cache.crop(n - len(ids))  # drop the suffix: the next country reuses the prefix
    return [s for s in out if s is not None]


def pad(states: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded batch (B, T, H) and each row's last real position. With right padding
    and causal attention no real token ever attends to a pad."""
    lengths = torch.tensor([s.shape[0] for s in states])
    batch = torch.zeros(len(states), int(lengths.max()), states[0].shape[1])
    for i, s in enumerate(states):
        batch[i, : s.shape[0]] = s
    return batch, lengths - 1


def top_logits(peft_model, states: Sequence[torch.Tensor], first_layer: int = FIRST_LORA_LAYER):
    """Next-token logits at each row's last position, running layers first_layer.. (with
    the active adapter) on the given lower-layer states. Differentiable."""
    causal_lm = peft_model.base_model.model
    inner = causal_lm.model
    x, last = pad(states)
    positions = torch.arange(x.shape[1]).unsqueeze(0)
    rotary = inner.rotary_emb(x, position_ids=positions)
    for layer in inner.layers[first_layer:]:
        x = layer(x, attention_mask=None, position_embeddings=rotary, position_ids=positions)
    x = inner.norm(x[torch.arange(x.shape[0]), last])
    return causal_lm.lm_head(x)

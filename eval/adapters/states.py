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

import hashlib
from collections.abc import Sequence
from pathlib import Path

import torch
from tqdm.auto import tqdm

from agent.cultures import encode, group_suffix

FIRST_LORA_LAYER = 24  # of SmolLM2-135M's 30: LoRA on layers 24-29


def _cache_of(out):
    return getattr(out, "cache", None) or getattr(out, "past_key_values", None)


def default_cache_dir() -> Path:
    from agent.llm.loading import cache_root

    return cache_root() / "adapter-states"


def _cache_file(cache_dir: Path, tag: str, prefix: str, first_layer: int) -> Path:
    key = hashlib.sha256(f"{tag}|{first_layer}|{prefix}".encode()).hexdigest()[:24]
    return cache_dir / f"{key}.pt"


@torch.no_grad()
def lower_states(
    model,
    tokenizer,
    rows: Sequence,
    first_layer: int = FIRST_LORA_LAYER,
    progress=True,
    cache_dir: Path | None = None,
) -> list[torch.Tensor]:
    """Per row, the (tokens, hidden) input of layer `first_layer` for its prompt. With a
    cache_dir, each question's states are kept there (keyed by the model's weights folder,
    the layer and the prefix; a rerun or the distributional suite reuses them)."""
    tag = str(getattr(model.config, "_name_or_path", ""))
    by_prefix: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_prefix.setdefault(r.prefix, []).append(i)
    out: list[torch.Tensor | None] = [None] * len(rows)
    for prefix, idx in tqdm(by_prefix.items(), desc="lower-layer states", disable=not progress):
        path = _cache_file(cache_dir, tag, prefix, first_layer) if cache_dir else None
        kept: dict[str, torch.Tensor] = torch.load(path) if path and path.is_file() else {}
        missing = [i for i in idx if rows[i].country not in kept]
        if missing:
            kept |= _question_states(
                model, tokenizer, prefix, [rows[i].country for i in missing], first_layer
            )
            if path:
                path.parent.mkdir(parents=True, exist_ok=True)
                torch.save(kept, path)
        for i in idx:
            out[i] = kept[rows[i].country]
    return [s for s in out if s is not None]


def _question_states(model, tokenizer, prefix: str, groups: list[str], first_layer: int):
    """group -> states of prefix + its suffix: the prefix runs once, each suffix on its cache."""
    head, _ = encode(tokenizer, prefix, "")
    first = model(input_ids=torch.tensor([head]), use_cache=True, output_hidden_states=True)
    cache = _cache_of(first)
    head_state = first.hidden_states[first_layer][0]
    states = {}
    for group in groups:
        ids, n = encode(tokenizer, prefix, group_suffix(group))
        tail = model(
            input_ids=torch.tensor([ids[n:]]),
            cache=cache,
            use_cache=True,
            output_hidden_states=True,
        )
        states[group] = torch.cat([head_state, tail.hidden_states[first_layer][0]]).clone()
        cache.crop(n - len(ids))  # drop the suffix: the next group reuses the prefix
    return states


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

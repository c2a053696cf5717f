"""A tiny randomly initialised causal LM and a character tokenizer, built in memory.

Like karpathy/nanochat testing its engine on a mock model: the real TransformersBackend
(prefill sharing, log-probs, stop strings, the straggler cut) runs on a 2-layer Llama with
a 64-token vocabulary in milliseconds, so the fast suite covers the engine's logic; the
real default model still has its own `model` tests.
"""

from __future__ import annotations

import string

import torch
from tokenizers import Tokenizer, decoders, models
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from agent.llm.transformers_backend import TransformersBackend

SPECIAL = ["<pad>", "<eos>", "<unk>"]
CHARS = string.ascii_lowercase + " .,!?:\n'" + string.digits + string.ascii_uppercase[:17]
VOCAB = {token: i for i, token in enumerate([*SPECIAL, *CHARS])}
assert len(VOCAB) == 64
TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}"
)


def tiny_tokenizer() -> PreTrainedTokenizerFast:
    """One token per character (BPE without merges), the three special tokens."""
    core = Tokenizer(models.BPE(vocab=VOCAB, merges=[], unk_token="<unk>"))
    core.decoder = decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>"
    )
    tokenizer.chat_template = TEMPLATE
    return tokenizer


def tiny_backend(seed: int = 0, eos_ids: list[int] | None = None) -> TransformersBackend:
    """A 2-layer Llama with random weights. `eos_ids`: extra token ids that also end a
    sequence (more of them = shorter samples)."""
    tokenizer = tiny_tokenizer()
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(VOCAB),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        pad_token_id=VOCAB["<pad>"],
        eos_token_id=VOCAB["<eos>"],
        bos_token_id=None,
    )
    model = LlamaForCausalLM(config).eval()
    model.generation_config.eos_token_id = [VOCAB["<eos>"], *(eos_ids or [])]
    model.generation_config.pad_token_id = VOCAB["<pad>"]
    return TransformersBackend(model, tokenizer, "tiny-llama", "cpu")

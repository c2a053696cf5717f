"""Choosing the next token from raw logits, the way transformers' `generate` does.

Used by backends that get raw logits and sample themselves (llama.cpp). The order is
transformers' (temperature, then top-k, then top-p) with its default top-k of 50, so the
same SamplingParams mean the same distribution in every backend. The log-probability
recorded for a chosen token is always that of the unscaled distribution (temperature 1,
no truncation), as the backend contract says.
"""

from __future__ import annotations

import numpy as np

TOP_K = 50  # transformers' GenerationConfig default, applied whenever it samples


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax in float64 (rows: sequences, columns: vocabulary)."""
    z = logits.astype(np.float64)
    z -= z.max(axis=-1, keepdims=True)
    logp: np.ndarray = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return logp


def choose(
    logits: np.ndarray,
    rng: np.random.Generator | None,
    temperature: float = 1.0,
    top_p: float = 1.0,
    top_k: int = TOP_K,
    banned: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(chosen token ids, their unscaled log-probs) for each row of `logits`.

    rng None = greedy (argmax). `banned` is a boolean mask (rows x vocab, or vocab) of
    tokens that may not be chosen now (EOS before min_new_tokens).
    """
    logits = np.asarray(logits, dtype=np.float32)
    logprobs = log_softmax(logits)
    scores = logits if banned is None else np.where(banned, -np.inf, logits)
    if rng is None:
        chosen = scores.argmax(axis=-1)
    else:
        chosen = np.array([_sample_row(row, rng, temperature, top_p, top_k) for row in scores])
    picked = logprobs[np.arange(len(chosen)), chosen]
    return chosen.astype(np.int64), picked


def _sample_row(
    scores: np.ndarray, rng: np.random.Generator, temperature: float, top_p: float, top_k: int
) -> int:
    k = min(top_k, scores.shape[0]) if top_k else scores.shape[0]
    candidates = np.argpartition(-scores, k - 1)[:k] if k < scores.shape[0] else np.arange(k)
    candidates = candidates[np.argsort(-scores[candidates], kind="stable")]
    z = scores[candidates].astype(np.float64) / temperature
    finite = np.isfinite(z)
    candidates, z = candidates[finite], z[finite]
    probs = np.exp(z - z.max())
    probs /= probs.sum()
    if top_p < 1.0:  # keep the smallest head whose mass reaches top_p (at least one token)
        keep = (np.cumsum(probs) - probs) < top_p
        candidates, probs = candidates[keep], probs[keep] / probs[keep].sum()
    return int(candidates[rng.choice(len(candidates), p=probs)])

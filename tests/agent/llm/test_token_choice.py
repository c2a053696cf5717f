"""Token choice from raw logits: the same distribution as transformers' generate."""

import numpy as np
import pytest

from agent.llm.token_choice import choose, log_softmax


def allowed_by_transformers(logits: np.ndarray, temperature: float, top_p: float) -> set[int]:
    import torch
    from transformers import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

    scores = torch.tensor(logits[None, :])
    for warper in (
        TemperatureLogitsWarper(temperature),
        TopKLogitsWarper(50),
        TopPLogitsWarper(top_p),
    ):
        scores = warper(None, scores)
    return set(torch.isfinite(scores[0]).nonzero().flatten().tolist())


@pytest.mark.parametrize("seed", range(5))
def test_samples_only_tokens_transformers_would_allow(seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 3, size=500).astype(np.float32)
    allowed = allowed_by_transformers(logits, 0.7, 0.9)
    draws = {int(choose(logits[None, :], rng, 0.7, 0.9)[0][0]) for _ in range(400)}
    assert draws <= allowed
    assert len(draws) >= min(3, len(allowed))  # it really samples


def test_greedy_is_argmax_and_logprob_is_of_the_unscaled_distribution():
    logits = np.array([[1.0, 3.0, 2.0], [0.0, 0.0, 5.0]], dtype=np.float32)
    chosen, logprobs = choose(logits, None)
    assert chosen.tolist() == [1, 2]
    expected = log_softmax(logits)[[0, 1], [1, 2]]
    assert logprobs == pytest.approx(expected)
    # sampling at a low temperature records the same (temperature-1) log-prob
    _, sampled = choose(logits, np.random.default_rng(0), temperature=0.05)
    assert sampled == pytest.approx(expected)


def test_banned_tokens_are_never_chosen():
    logits = np.array([[9.0, 1.0, 0.5]], dtype=np.float32)
    banned = np.array([True, False, False])
    assert choose(logits, None, banned=banned)[0].tolist() == [1]
    rng = np.random.default_rng(1)
    assert all(choose(logits, rng, banned=banned)[0][0] != 0 for _ in range(50))


def test_log_softmax_rows_sum_to_one():
    rows = log_softmax(np.random.default_rng(0).normal(size=(3, 100)))
    assert np.exp(rows).sum(axis=1) == pytest.approx(np.ones(3))

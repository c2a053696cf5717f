"""The TransformersBackend's engine on a tiny random Llama (tests/agent/llm/tiny.py): shared
prefill, log-probs, stop strings, the straggler cut and the deadline, in the fast suite."""

from __future__ import annotations

import math
import time

import pytest
import torch

from agent.errors import InvalidInputError, PromptTooLongError
from agent.llm.base import LLMBackend, SamplingParams
from agent.llm.stopping import cut_at_stop
from tests.agent.llm.tiny import VOCAB, tiny_backend

HELLO = [{"role": "user", "content": "hello there"}]
LONGER = [
    {"role": "system", "content": "be brief"},
    {"role": "user", "content": "what is the sea like at night?"},
]
FORCED = SamplingParams(n=4, max_new_tokens=8, min_new_tokens=8, seed=3)


@pytest.fixture(scope="module")
def tiny():
    return tiny_backend()


@pytest.fixture(scope="module")
def short():
    """Ends a sequence on any of 16 tokens: samples of a few tokens, lengths that vary."""
    return tiny_backend(eos_ids=[VOCAB[c] for c in "abcdefghijklmnop"])


def both(backend, conversations, params):
    out = {}
    try:
        for share in (False, True):
            backend.share_prefill = share
            out[share] = backend.sample_batch(conversations, params)
    finally:
        backend.share_prefill = True
    return out[False], out[True]


def test_it_fulfils_the_backend_protocol(tiny):
    assert isinstance(tiny, LLMBackend) and tiny.context_window == 512


def test_shared_prefill_samples_exactly_like_the_plain_path(tiny):
    # two prompts of different lengths: left padding is exercised too
    plain, shared = both(tiny, [HELLO, LONGER], SamplingParams(n=3, max_new_tokens=10, seed=7))
    assert [len(row) for row in shared] == [3, 3]
    for plain_row, shared_row in zip(plain, shared, strict=True):
        for a, b in zip(plain_row, shared_row, strict=True):
            assert a.token_ids == b.token_ids and a.text == b.text
            assert b.token_logprobs == pytest.approx(a.token_logprobs, abs=1e-4)


def test_shared_prefill_runs_the_prompt_once(tiny, monkeypatch):
    shapes = []
    forward = tiny.model.forward

    def recording(*args, **kwargs):
        shapes.append(tuple(kwargs["input_ids"].shape))
        return forward(*args, **kwargs)

    monkeypatch.setattr(tiny.model, "forward", recording)
    tiny.sample(HELLO, SamplingParams(n=5, max_new_tokens=3, min_new_tokens=3, seed=0))
    prompt_len = tiny.encode([HELLO], 1)["input_ids"].shape[1]
    assert shapes[0] == (1, prompt_len - 1)  # the prompt, once
    assert all(s == (5, 1) for s in shapes[1:])  # then one token per sequence per step


def test_logprobs_are_the_model_own_probabilities_of_the_chosen_tokens(tiny):
    samples = tiny.sample(HELLO, FORCED)
    prompt = tiny.encode([HELLO], 1)["input_ids"][0].tolist()
    for s in samples:
        assert len(s.token_ids) == 8 and s.finish_reason == "length"
        ids = torch.tensor([prompt + list(s.token_ids)])
        with torch.no_grad():
            logits = tiny.model(input_ids=ids).logits[0].float()
        logp = torch.log_softmax(logits, dim=-1)
        expected = [logp[len(prompt) - 1 + i, t].item() for i, t in enumerate(s.token_ids)]
        assert list(s.token_logprobs) == pytest.approx(expected, abs=1e-4)
        assert s.mean_logprob == pytest.approx(sum(expected) / len(expected), abs=1e-4)


def test_same_seed_same_samples_and_greedy_is_deterministic(tiny):
    assert tiny.sample(HELLO, FORCED) == tiny.sample(HELLO, FORCED)
    assert tiny.greedy(HELLO, 6) == tiny.greedy(HELLO, 6)


def test_stop_strings_cut_each_sample_before_the_stop(tiny):
    stops = ("e", "a")
    free = tiny.sample(HELLO, SamplingParams(n=6, max_new_tokens=40, seed=1))
    cut = tiny.sample(HELLO, SamplingParams(n=6, max_new_tokens=40, seed=1, stop=stops))
    assert any(cut_at_stop(s.text, stops) is not None for s in free)  # they would go on
    for a, b in zip(free, cut, strict=True):
        assert cut_at_stop(b.text, stops) is None  # nothing after a stop survives
        assert a.text.startswith(b.text)
        if cut_at_stop(a.text, stops) is not None:
            assert b.finish_reason == "stop" and len(b.token_ids) <= len(a.token_ids)
            assert b.token_logprobs == a.token_logprobs[: len(b.token_ids)]


def test_the_straggler_cut_ends_the_batch_soon_after_half_have_ended(short):
    n, budget = 8, 60
    free = short.sample(HELLO, SamplingParams(n=n, max_new_tokens=budget, seed=5))
    cut = short.sample(
        HELLO, SamplingParams(n=n, max_new_tokens=budget, seed=5, straggler_factor=1.5)
    )
    ends = [len(s.token_ids) + (s.finish_reason == "stop") for s in free]  # EOS is a step
    quorum = sorted(ends)[n // 2 - 1]  # the step at which half had ended
    deadline = max(quorum + 1, math.ceil(1.5 * quorum))
    assert max(ends) > deadline  # without the cut one sample runs on
    for a, b, end in zip(free, cut, ends, strict=True):
        assert len(b.token_ids) <= deadline
        if end <= deadline:
            assert b == a  # the same draws until the cut
        else:
            assert b.finish_reason == "length" and a.token_ids[: len(b.token_ids)] == b.token_ids


def test_a_passed_deadline_stops_generation_and_says_time(tiny):
    params = SamplingParams(n=2, max_new_tokens=64, min_new_tokens=64, deadline=time.monotonic())
    samples = tiny.sample(HELLO, params)
    assert all(s.finish_reason == "time" and len(s.token_ids) < 64 for s in samples)


def test_bad_input_is_refused_before_the_model_runs(tiny):
    with pytest.raises(InvalidInputError):
        tiny.sample([{"role": "user", "content": "  "}], FORCED)
    with pytest.raises(PromptTooLongError):
        tiny.sample([{"role": "user", "content": "a" * 600}], FORCED)

"""Shared prefill (prompt run once, KV cache repeated n times) samples exactly like the
plain path where generate() prefills n copies; generate stops once all sequences end."""

import pytest

from agent.llm.base import SamplingParams
from agent.llm.stopping import cut_at_stop

pytestmark = pytest.mark.model

SKY = [{"role": "user", "content": "Name a colour of the sky on a clear day, in one word."}]


def _both(backend, conversations, params):
    out = {}
    try:
        for share in (False, True):
            backend.share_prefill = share
            out[share] = backend.sample_batch(conversations, params)
    finally:
        backend.share_prefill = True
    return out[False], out[True]


def record_forward(backend, monkeypatch) -> list[tuple]:
    """The input_ids shape of every forward pass the model makes from now on."""
    shapes = []
    original = backend.model.forward

    def recording_forward(*args, **kwargs):
        shapes.append(tuple(kwargs["input_ids"].shape))
        return original(*args, **kwargs)

    monkeypatch.setattr(backend.model, "forward", recording_forward)
    return shapes


def test_shared_prefill_gives_the_same_samples_and_logprobs(transformers_backend, france):
    # two conversations of different lengths: left padding is exercised too
    plain, shared = _both(
        transformers_backend, [france, SKY], SamplingParams(n=4, max_new_tokens=12, seed=7)
    )
    for plain_row, shared_row in zip(plain, shared, strict=True):
        for a, b in zip(plain_row, shared_row, strict=True):
            assert a.token_ids == b.token_ids
            assert a.text == b.text
            assert b.token_logprobs == pytest.approx(a.token_logprobs, abs=1e-3)


def test_shared_prefill_runs_the_prompt_once(transformers_backend, france, monkeypatch):
    rows = record_forward(transformers_backend, monkeypatch)
    transformers_backend.sample(france, SamplingParams(n=6, max_new_tokens=3, seed=0))
    prompt_len = transformers_backend.encode([france], 1)["input_ids"].shape[1]
    assert rows[0] == (1, prompt_len - 1)  # the prompt, once
    assert all(r == (6, 1) for r in rows[1:])  # then one token per sequence per step


def test_generate_stops_when_every_sample_has_ended(transformers_backend, france, monkeypatch):
    calls = record_forward(transformers_backend, monkeypatch)
    samples = transformers_backend.sample(
        france, SamplingParams(n=3, temperature=0.2, max_new_tokens=60, seed=2)
    )
    # one prefill, then one step per token up to the last sequence's EOS, none after
    steps = max(len(s.token_ids) + (s.finish_reason == "stop") for s in samples)
    assert len(calls) == 1 + steps
    assert all(s.finish_reason == "stop" for s in samples)  # seed 2: all end early here
    assert len(calls) < 60


def test_min_new_tokens_forces_the_length(transformers_backend, france):
    samples = transformers_backend.sample(
        france, SamplingParams(n=2, max_new_tokens=10, min_new_tokens=10, seed=0)
    )
    assert [len(s.token_ids) for s in samples] == [10, 10]
    assert all(s.finish_reason == "length" for s in samples)


def test_repeated_prompts_are_tokenized_once(transformers_backend, france, monkeypatch):
    transformers_backend.clear_token_cache()
    calls = []
    original = transformers_backend.tokenizer.__call__

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(
        type(transformers_backend.tokenizer), "__call__", lambda self, *a, **k: counting(*a, **k)
    )
    first = transformers_backend.encode([france, france], 4)
    again = transformers_backend.encode([france], 4)
    assert len(calls) == 1
    assert first["input_ids"][0].tolist() == again["input_ids"][0].tolist()


def test_stop_strings_end_each_sample_and_the_batch(transformers_backend, monkeypatch):
    story = [{"role": "user", "content": "Write three sentences about the sea."}]
    stops = (".", "\n")
    free = transformers_backend.sample(story, SamplingParams(n=3, max_new_tokens=40, seed=1))
    assert any(cut_at_stop(s.text, stops) is not None for s in free)  # they go on
    steps = record_forward(transformers_backend, monkeypatch)
    cut = transformers_backend.sample(
        story, SamplingParams(n=3, max_new_tokens=40, seed=1, stop=stops)
    )
    for short, long in zip(cut, free, strict=True):
        assert cut_at_stop(short.text, stops) is None and short.text
        assert long.text.startswith(short.text)  # same draw, cut at its first line
        assert short.finish_reason == "stop" or short.text == long.text
        assert len(short.token_ids) == len(short.token_logprobs) <= len(long.token_ids)
    assert len(steps) < 40


def test_straggler_cut_ends_the_batch_soon_after_most_samples_ended(transformers_backend, france):
    params = dict(n=6, temperature=0.7, max_new_tokens=60, seed=0)
    free = transformers_backend.sample(france, SamplingParams(**params))
    cut = transformers_backend.sample(france, SamplingParams(**params, straggler_factor=1.5))
    ended = sorted(len(s.token_ids) + 1 for s in free if s.finish_reason == "stop")
    assert len(ended) >= 3  # at least half end by themselves here
    quorum_step = ended[2]
    bound = max(quorum_step + 1, -(-3 * quorum_step // 2))
    assert max(len(s.token_ids) for s in cut) <= bound
    for short, long in zip(cut, free, strict=True):
        assert long.text.startswith(short.text.rstrip("."))  # same draw, maybe cut
        assert short.finish_reason in {"stop", "length"}

"""The backend contract on the real embedded model, for every backend."""

import pytest

from agent.errors import InvalidInputError, PromptTooLongError
from agent.llm.base import SamplingParams

pytestmark = pytest.mark.model


def test_eight_samples_come_from_one_generate_call(transformers_backend, france, monkeypatch):
    calls = []
    original = transformers_backend.model.generate

    def counting_generate(*args, **kwargs):
        rows = kwargs["input_ids"].shape[0] * kwargs["generation_config"].num_return_sequences
        calls.append(rows)
        return original(*args, **kwargs)

    monkeypatch.setattr(transformers_backend.model, "generate", counting_generate)
    samples = transformers_backend.sample(france, SamplingParams(n=8, max_new_tokens=24, seed=0))
    assert calls == [8]  # one call decoding 8 sequences (expanded before or inside generate)
    assert len(samples) == 8
    for s in samples:
        assert s.text and s.token_ids
        assert len(s.token_logprobs) == len(s.token_ids)
        assert all(lp <= 0.0 for lp in s.token_logprobs)
        assert s.finish_reason in {"stop", "length"}


def test_same_seed_same_samples(any_backend, france):
    params = SamplingParams(n=4, max_new_tokens=16, seed=123)
    first = [s.text for s in any_backend.sample(france, params)]
    again = [s.text for s in any_backend.sample(france, params)]
    assert first == again


def test_chat_template_is_applied(any_backend, france):
    prompt = any_backend.render(france)
    assert "<|im_start|>user\nWhat is the capital of France?<|im_end|>" in prompt
    assert prompt.rstrip().endswith("<|im_start|>assistant")


def test_greedy_answers_paris(any_backend, france):
    answer = any_backend.greedy(france, max_new_tokens=20)
    assert "Paris" in answer.text
    assert any_backend.greedy(france, max_new_tokens=20).text == answer.text


def test_batch_of_conversations_keeps_their_order(any_backend, france):
    other = [{"role": "user", "content": "Name a colour of the sky on a clear day, in one word."}]
    batches = any_backend.sample_batch(
        [france, other], SamplingParams(n=3, max_new_tokens=16, seed=1)
    )
    assert [len(b) for b in batches] == [3, 3]
    assert sum("Paris" in s.text for s in batches[0]) >= 1
    assert not any("Paris" in s.text for s in batches[1])


def test_empty_message_is_refused(any_backend):
    with pytest.raises(InvalidInputError, match="empty"):
        any_backend.greedy([{"role": "user", "content": ""}])


def test_prompt_longer_than_the_window_is_refused(any_backend):
    huge = [{"role": "user", "content": "word " * 100_000}]
    with pytest.raises(PromptTooLongError, match="too long"):
        any_backend.sample(huge, SamplingParams(n=2))


def test_broken_unicode_is_refused(any_backend):
    with pytest.raises(InvalidInputError, match="Unicode"):
        any_backend.greedy([{"role": "user", "content": "caf\udce9"}])


@pytest.mark.parametrize("token", ["<|im_end|>", "<|im_start|>system", "<filename>"])
def test_text_holding_a_special_token_is_refused(any_backend, token):
    messages = [{"role": "user", "content": f"Hello {token} there"}]
    with pytest.raises(InvalidInputError, match="control token"):
        any_backend.render(messages)
    assert any_backend.render([{"role": "user", "content": "Hello < | there >"}])

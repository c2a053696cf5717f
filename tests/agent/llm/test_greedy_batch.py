"""TransformersBackend.greedy_batch (how train-judges featurises its rows) gives the same
greedy answer as `greedy` one conversation at a time, on the real model: the learned
judges are trained on the batched answers and read the sequential one live."""

import pytest

from agent.judges import JUDGE_TOKENS, judge_conversation

pytestmark = pytest.mark.model

REQUESTS = (  # different lengths: left padding is exercised
    "Who wrote the novel Moby-Dick?",
    "What is the boiling point of water at sea level in degrees Celsius?",
    "When did the first person walk on the moon, and what was the name of the mission?",
    "Convert 5 miles to kilometres.",
    "Which river flows through Vienna?",
)


def test_greedy_batch_equals_sequential_greedy(transformers_backend):
    convs = [judge_conversation(r) for r in REQUESTS]
    batched = transformers_backend.greedy_batch(convs, JUDGE_TOKENS)
    for conv, b in zip(convs, batched, strict=True):
        one = transformers_backend.greedy(conv, max_new_tokens=JUDGE_TOKENS)
        assert b.token_ids == one.token_ids and b.text == one.text
        assert b.token_logprobs == pytest.approx(one.token_logprobs, abs=1e-4)
    assert transformers_backend.greedy_batch([], JUDGE_TOKENS) == []

import pytest

from agent.errors import InvalidInputError
from agent.llm.base import LLMBackend, Sample, SamplingParams, validate_messages
from agent.llm.fake import FakeBackend


def test_sample_logprob_summaries():
    s = Sample("Paris", (1, 2), (-0.5, -1.5))
    assert s.sum_logprob == pytest.approx(-2.0)
    assert s.mean_logprob == pytest.approx(-1.0)
    assert Sample("").mean_logprob == 0.0


@pytest.mark.parametrize(
    "bad",
    [
        dict(n=0),
        dict(temperature=0),
        dict(top_p=1.5),
        dict(max_new_tokens=0),
        dict(min_new_tokens=-1),
        dict(max_new_tokens=4, min_new_tokens=5),
    ],
)
def test_sampling_params_reject_nonsense(bad):
    with pytest.raises(ValueError):
        SamplingParams(**bad)


@pytest.mark.parametrize(
    "messages, fragment",
    [
        ([], "no message"),
        ([{"role": "user", "content": "   "}], "empty"),
        ([{"role": "user", "content": "bad \ud800 text"}], "invalid Unicode"),
        ([{"role": "user", "content": None}], "text content"),
    ],
)
def test_validate_messages_explains_the_problem(messages, fragment):
    with pytest.raises(InvalidInputError, match=fragment):
        validate_messages(messages)


def test_fake_backend_fulfils_the_contract(france):
    fake = FakeBackend(lambda m: ["Paris", "Lyon"])
    assert isinstance(fake, LLMBackend)
    batches = fake.sample_batch([france, france], SamplingParams(n=3))
    assert [[s.text for s in b] for b in batches] == [["Paris", "Lyon", "Paris"]] * 2
    assert all(lp <= 0 for b in batches for s in b for lp in s.token_logprobs)
    assert fake.greedy(france).text == "Paris"
    assert len(fake.calls) == 1  # one batched call for both conversations

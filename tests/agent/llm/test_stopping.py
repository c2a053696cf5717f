import pytest

from agent.llm.base import SamplingParams
from agent.llm.fake import FakeBackend
from agent.llm.stopping import cut_at_stop


@pytest.mark.parametrize(
    "text, stops, expected",
    [
        ("Paris.\nLyon", ("\n",), 6),
        ("\n\nParis\nLyon", ("\n",), 7),  # leading blank lines never stop a sample
        ("Paris is big. Lyon too.", (". ", "\n"), 12),
        ("Paris", ("\n",), None),
        ("   ", ("\n",), None),
        ("a\nb. c", (". ", "\n"), 1),  # the earliest stop wins
        ("Paris\nLyon", (), None),
    ],
)
def test_cut_at_stop(text, stops, expected):
    assert cut_at_stop(text, stops) == expected


def test_stop_must_be_a_tuple_of_strings():
    with pytest.raises(ValueError):
        SamplingParams(stop="\n")
    with pytest.raises(ValueError):
        SamplingParams(stop=("",))


def test_fake_backend_honours_stop_strings():
    fake = FakeBackend(lambda m: ["Paris.\nIt is big."])
    [sample] = fake.sample([{"role": "user", "content": "q"}], SamplingParams(n=1, stop=("\n",)))
    assert sample.text == "Paris."


def test_stragglers_get_until_factor_times_the_quorum_step():
    import torch

    from agent.llm.stopping import stop_criteria

    criteria = stop_criteria(tokenizer=None, prompt_len=2, eos_ids={0}, straggler_factor=2.0)
    prompt = [[5, 5]] * 4
    rows = [[7, 7, 0], [7, 0, 0], [7, 7, 7], [7, 7, 7]]  # after 3 tokens, 2 of 4 ended
    results = []
    for extra in range(4):  # steps 3, 4, 5, 6
        new = [r + [7] * extra if r[-1] != 0 else r + [0] * extra for r in rows]
        ids = torch.tensor([p + n for p, n in zip(prompt, new, strict=True)])
        results.append(bool(criteria(ids, None).all()))
    assert results == [False, False, False, True]  # deadline: step 2.0 * 3 = 6


def test_straggler_factor_below_one_is_refused():
    with pytest.raises(ValueError):
        SamplingParams(straggler_factor=0.5)

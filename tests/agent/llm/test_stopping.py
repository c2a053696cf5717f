import pytest

from agent.llm.base import SamplingParams
from agent.llm.fake import FakeBackend
from agent.llm.stopping import cut_at_stop


@pytest.mark.parametrize("text, stops, expected", [
    ("Paris.\nLyon", ("\n",), 6),
    ("\n\nParis\nLyon", ("\n",), 7),  # leading blank lines never stop a sample
    ("Paris is big. Lyon too.", (". ", "\n"), 12),
    ("Paris", ("\n",), None),
    ("   ", ("\n",), None),
    ("a\nb. c", (". ", "\n"), 1),  # the earliest stop wins
    ("Paris\nLyon", (), None),
])
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

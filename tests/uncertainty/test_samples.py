import dataclasses

import pytest

from uncertainty import LabeledAnswer


def test_defaults_and_immutability():
    a = LabeledAnswer("Paris")
    assert (a.logprob, a.member, a.reading, a.perspective) == (
        None,
        "default",
        "default",
        "default",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.text = "Lyon"
    assert LabeledAnswer("Paris", -0.2) == LabeledAnswer("Paris", logprob=-0.2)

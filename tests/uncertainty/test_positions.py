import pytest

from uncertainty.positions import position, split_position


def test_split_position_is_first_sentence_and_the_rest():
    assert split_position("  Yes, tell her. Honesty matters here. ") == (
        "Yes, tell her.",
        "Honesty matters here.",
    )
    assert split_position("No") == ("No", "")


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("As a consequentialist, I believe that lying is wrong. It harms.", "Lying is wrong."),
        ("From a rights-based perspective, yes, you should tell. Duty.", "Yes, you should tell."),
        ("In my view, no. It is fine.", "No."),
        ("Speaking as a parent: I think you should wait. Kids need time.", "You should wait."),
        ("Position: It is acceptable.  Reason: it helps.", "It is acceptable."),
        ("Lying is wrong. Because.", "Lying is wrong."),
    ],
)
def test_position_drops_persona_framing(text, stance):
    assert position(text) == stance


def test_position_never_empties_an_answer():
    assert position("As a consequentialist.") == "As a consequentialist."
    assert position("") == ""

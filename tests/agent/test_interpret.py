"""What counts as a reading of a request (the filters a small model's rewrites pass)."""

import pytest

from agent.nodes.interpret import clean_rewrite, distinct_readings, refines, usable_rewrites
from agent.templates import render

REQUEST = "Is it better to rent or buy?"


@pytest.mark.parametrize(
    "rewrite, ok",
    [
        ("Is it better to rent or buy a house in a big city?", True),
        ("Is it better to rent or to buy a flat when you move often?", True),
        ("What is the capital of Australia?", False),  # a different question, not a reading
        ("Is it better to lease?", False),
    ],
)
def test_a_reading_refines_the_request(rewrite, ok):
    assert refines(REQUEST, rewrite) is ok
    assert refines("What is the capital of France?", "What is the capital of Australia?") is False


def test_clean_rewrite_keeps_the_first_line_without_labels():
    assert (
        clean_rewrite('Rewrite: "How long does it take to cook rice?"\nmore')
        == "How long does it take to cook rice?"
    )
    assert clean_rewrite("\n  1. Is it safe?") == "Is it safe?"
    assert clean_rewrite("x" * 400) == ""
    # SmolLM2 often wraps the rewrite in a preamble, with or without the closing quote
    for text in (
        'A person might ask, "What does it mean to skip a meal?',
        "They could mean: “What does it mean to skip a meal?”",
    ):
        assert clean_rewrite(text) == "What does it mean to skip a meal?"
    assert (
        clean_rewrite('Is "bass" a fish or an instrument?') == 'Is "bass" a fish or an instrument?'
    )


def test_usable_rewrites_drop_answers_copies_and_unrelated_questions(embedder):
    prompt = render("interpret", question=REQUEST)
    texts = [
        "Renting is cheaper.",  # an answer
        REQUEST,  # the request itself
        "What is the capital of Australia?",  # another question
        "Is it better to rent or to buy?",  # a paraphrase
        "Is it better to rent or buy a house in a big city?",
    ]  # a reading
    assert usable_rewrites(REQUEST, texts, prompt, embedder) == [texts[-1]]


def test_distinct_readings_merge_paraphrases_and_cap_at_k(embedder):
    from uncertainty import EmbeddingJudge

    judge = EmbeddingJudge(embedder)
    city = "Is it better to rent or buy a house in a big city?"
    retire = "Is it better to rent or buy when you are about to retire?"
    readings = distinct_readings(REQUEST, [city, city, retire], judge, k=3)
    assert readings[0] == REQUEST and set(readings[1:]) == {city, retire}
    assert distinct_readings(REQUEST, [city, retire], judge, k=2) == [REQUEST, city]

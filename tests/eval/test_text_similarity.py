import math

import pytest

from eval.text_similarity import rouge_l, token_f1, tokens


def test_tokens_are_lowercased_words():
    assert tokens("Which one: the 1996 film, or THE book?") == [
        "which", "one", "the", "1996", "film", "or", "the", "book",
    ]  # fmt: skip


def test_token_f1_counts_multiplicities():
    assert token_f1("the the cat", "the cat") == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))
    assert token_f1("a b", "c d") == 0.0
    assert token_f1("", "") == 1.0 and token_f1("", "x") == 0.0


def test_rouge_l_uses_the_longest_common_subsequence():
    # LCS("what does he refer to", "what does she refer to") = what does refer to (4 of 5)
    assert rouge_l("What does he refer to?", "What does she refer to?") == pytest.approx(0.8)
    assert rouge_l("b a", "a b") == pytest.approx(0.5)
    assert math.isclose(rouge_l("same words", "Same words."), 1.0)
    assert rouge_l("x", "") == 0.0

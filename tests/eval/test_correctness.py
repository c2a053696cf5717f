from eval.correctness import is_correct, match, normalize


def test_normalize_drops_case_punctuation_and_articles():
    assert normalize("The  Eiffel-Tower!") == "eiffel tower"


def test_exact_and_containment_matches():
    assert match("Tony Goldwyn", ["Tony Goldwyn", "Goldwyn"]) == "exact"
    assert match("It was Tony Goldwyn, I think.", ["Tony Goldwyn"]) == "contains"


def test_answer_inside_gold_or_partial_word_is_not_correct():
    assert not is_correct("1", ["1950"])
    assert not is_correct("In 19501 maybe", ["1950"])
    assert not is_correct("", ["1950"])

"""The shipped question-kind weights were fitted on CLAMBER's train split as it is now."""

import json
from collections import Counter

import pytest

from agent.clarifying import WEIGHTS_PATH
from eval.question_kinds import ambiguous_rows, card_markdown

pytest.importorskip("eval.splits")  # the fixed splits land with the judges branch


def test_shipped_weights_were_fitted_on_the_current_train_split(data_dir):
    card = json.loads(WEIGHTS_PATH.read_text())["card"]
    rows = ambiguous_rows(data_dir)
    for split, items in rows.items():
        assert card["counts"][split] == dict(
            sorted(Counter(i.meta["subclass"] for i in items).items())
        )
    assert card["split"].startswith("eval/splits.py") and "fitted on train only" in card["split"]
    assert card["command"].startswith("python -m eval fit-question-kinds")
    test_texts = {i.text for i in rows["test"]}
    assert not test_texts & {i.text for i in rows["train"]}
    assert card_markdown(card) == WEIGHTS_PATH.with_name("card.md").read_text()

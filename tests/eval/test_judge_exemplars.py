"""The judges' exemplar files are training data: none may copy an evaluation row.

Every exemplar (prompts/judge_exemplars.yaml, prompts/normativity.yaml and
prompts/fact_exemplars.yaml) is checked
against every dialogue-suite turn (eval/dialogues/*.yaml, an evaluation set; also each
later turn folded onto the one before it, as the judges read a follow-up) and every
data set's test row: not the same normalised text, not a near-duplicate by word-set
Jaccard (eval.splits.NEAR_DUPLICATE), and (real embedder) not above COSINE_BOUND in
all-MiniLM-L6-v2 cosine. The bound: the closest legitimate pairs sit near 0.75 ("Should
children be allowed to use smartphones?" vs a dialogue turn on a child's first
smartphone), a reworded copy above 0.85 ("Should the death penalty be abolished?" vs the
same question with "everywhere", 0.97).
"""

from __future__ import annotations

import numpy as np
import pytest

from agent.normativity import load_exemplars
from agent.templates import fold
from eval.data import DATASETS
from eval.dialogue_loader import load_dialogues
from eval.judges.data import (
    EXEMPLAR_DEV_SHARE,
    KINDS,
    _message,
    exemplar_split,
    load_fact_exemplars,
    load_request_exemplars,
)
from eval.paths import DEFAULT_DATA_DIR
from eval.splits import near_duplicate_groups, normalise, split_of

COSINE_BOUND = 0.80

needs_data = pytest.mark.skipif(not DEFAULT_DATA_DIR.is_dir(), reason="../shared/data absent")


def exemplars() -> list[str]:
    return (
        [e.text for e in load_request_exemplars()]
        + list(load_exemplars().texts)
        + [e.text for e in load_fact_exemplars()]
    )


def dialogue_turns() -> list[str]:
    """Every turn's text, and every later turn folded onto the one before it (the shape
    the judges read a follow-up in, agent.judges.in_thread; the folded exemplars have it)."""
    turns = [[t.text for t in d.turns] for d in load_dialogues()]
    return [t for ts in turns for t in ts] + [
        fold(a, b) for ts in turns for a, b in zip(ts, ts[1:], strict=False)
    ]


def test_rows() -> list[str]:
    return sorted(
        {
            _message(it)
            for d in DATASETS.values()
            for it in d.load(DEFAULT_DATA_DIR)
            if split_of(it) == "test"
        }
    )


test_rows.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def test_every_category_has_both_sides_of_about_the_same_size():
    found = load_request_exemplars()
    for family, kinds in KINDS.items():
        cats = {e.category for e in found if e.family == family}
        assert len(cats) >= 5, family
        for cat in cats:
            sizes = [sum(e.category == cat and e.kind == k for e in found) for k in kinds]
            assert min(sizes) >= 4 and max(sizes) - min(sizes) <= 1, (family, cat, sizes)
    texts = [normalise(e.text) for e in found]
    assert len(set(texts)) == len(texts), "an exemplar is listed twice"


def test_exemplar_split_is_fixed_by_text_and_holds_out_both_families():
    found = load_request_exemplars()
    splits = [exemplar_split(e.text) for e in found]
    assert splits == [exemplar_split(e.text) for e in found]
    same = exemplar_split("fix the BUG in my function")
    assert exemplar_split("Fix the bug in my function.") == same
    assert set(splits) == {"train", "dev"}
    share = splits.count("dev") / len(splits)
    assert abs(share - EXEMPLAR_DEV_SHARE / 100) < 0.12
    for family, kinds in KINDS.items():
        for kind in kinds:
            held = [s for e, s in zip(found, splits, strict=True) if e.kind == kind]
            assert "dev" in held and "train" in held, (family, kind)


def test_fact_exemplars_span_the_categories_with_answers_and_both_splits():
    found = load_fact_exemplars()
    facts = [e for e in found if e.answers]
    cats = {e.category for e in facts}
    assert len(cats) >= 8 and min(sum(e.category == c for e in facts) for c in cats) >= 20
    assert sum(e.category == "task" for e in found) >= 30
    assert all(e.category == "task" for e in found if not e.answers)
    texts = [normalise(e.text) for e in found]
    assert len(set(texts)) == len(texts), "a fact exemplar is listed twice"
    for kind in (True, False):
        splits = {exemplar_split(e.text) for e in found if bool(e.answers) == kind}
        assert splits == {"train", "dev"}, kind


def test_fact_exemplars_are_not_twins_of_each_other_across_splits():
    found = [e.text for e in load_fact_exemplars()]
    groups = near_duplicate_groups([normalise(t) for t in found])
    split_of_group: dict[int, set[str]] = {}
    for text, g in zip(found, groups, strict=True):
        split_of_group.setdefault(g, set()).add(exemplar_split(text))
    assert all(len(s) == 1 for s in split_of_group.values())


def _text_twins(ex: list[str], others: list[str]) -> list[tuple[str, str]]:
    a, b = [normalise(t) for t in ex], [normalise(t) for t in others]
    groups = near_duplicate_groups(a + b)
    by_group = {g: others[i] for i, g in enumerate(groups[len(a) :])}
    return [(t, by_group[g]) for t, g in zip(ex, groups[: len(a)], strict=True) if g in by_group]


def test_no_exemplar_copies_a_dialogue_turn_by_text():
    assert _text_twins(exemplars(), dialogue_turns()) == []


@needs_data
def test_no_exemplar_copies_a_test_row_by_text():
    assert _text_twins(exemplars(), test_rows()) == []


def test_the_text_guard_catches_a_reworded_copy():
    turn = dialogue_turns()[0]
    assert _text_twins([turn.upper() + " ?!"], dialogue_turns()) != []


@pytest.fixture(scope="module")
def embedder():
    from uncertainty import Embedder

    return Embedder()


@pytest.mark.model
@pytest.mark.timeout(600)
@needs_data
def test_no_exemplar_is_an_embedding_neighbour_of_a_dialogue_turn_or_test_row(embedder):
    ex = exemplars()
    vex = np.asarray(embedder.embed(ex))
    for name, others in (("dialogue turn", dialogue_turns()), ("test row", test_rows())):
        cos = vex @ np.asarray(embedder.embed(others)).T
        close = [
            (ex[i], others[int(cos[i].argmax())], round(float(cos[i].max()), 3))
            for i in np.flatnonzero(cos.max(axis=1) > COSINE_BOUND)
        ]
        assert close == [], f"exemplars too close to a {name}: {close}"

"""The fixed splits: deterministic, near-duplicates together, and no test row in training.

The guard tests read the real data (skipped when ../shared/data is absent).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from eval.data import DATASETS
from eval.splits import (
    MANIFEST_PATH,
    NEAR_DUPLICATE,
    assign,
    bucket_split,
    build_manifest,
    file_hashes,
    near_duplicate_groups,
    normalise,
    split_of,
    split_of_text,
)


def test_normalise_folds_case_punctuation_spacing_and_unicode():
    assert normalise("  Who  wrote ROMEO & Juliet?? ") == "who wrote romeo juliet"
    assert normalise("ﬁsh_and\tchips") == "fish and chips"  # NFKC ligature, '_' is a separator
    assert split_of_text("Who wrote Romeo & Juliet?") == split_of_text("who wrote romeo juliet")


def test_buckets_are_deterministic_and_proportioned():
    texts = [f"question number {i}" for i in range(4000)]
    splits = [bucket_split(t) for t in texts]
    assert splits == [bucket_split(t) for t in texts]
    share = {s: splits.count(s) / len(splits) for s in ("train", "dev", "test")}
    assert abs(share["train"] - 0.6) < 0.03 and abs(share["test"] - 0.2) < 0.03


def test_near_duplicates_share_a_group_and_a_split():
    texts = [
        "how old do you have to be to get a tattoo in washington",
        "how old do u have to be to get a tattoo in washington",
        "what is the capital of france",
    ]
    groups = near_duplicate_groups(texts)
    assert groups[0] == groups[1] != groups[2]
    split = assign(texts)
    assert split[texts[0]] == split[texts[1]]


def _jaccard_pairs(texts: list[str]) -> list[tuple[int, int]]:
    """Index pairs with word-set Jaccard >= NEAR_DUPLICATE, computed independently."""
    sets = [set(t.split()) or {"_"} for t in texts]
    vocab = {w: i for i, w in enumerate(sorted(set().union(*sets)))}
    from scipy.sparse import csr_matrix

    rows = [i for i, s in enumerate(sets) for _ in s]
    cols = [vocab[w] for s in sets for w in s]
    x = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)))
    inter = (x @ x.T).tocoo()
    size = np.array([len(s) for s in sets])
    jac = inter.data / (size[inter.row] + size[inter.col] - inter.data)
    keep = (jac >= NEAR_DUPLICATE) & (inter.row < inter.col)
    return list(zip(inter.row[keep].tolist(), inter.col[keep].tolist(), strict=True))


@pytest.fixture
def all_rows(data_dir):
    return [(name, it) for name, d in DATASETS.items() for it in d.load(data_dir)]


def test_manifest_matches_the_data_it_was_built_from(data_dir):
    committed = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    rebuilt = build_manifest(data_dir)
    assert file_hashes(rebuilt) == file_hashes(committed), "data changed: rebuild the manifest"
    assert rebuilt["moved"] == committed["moved"]
    for name, d in committed["datasets"].items():
        assert rebuilt["datasets"][name]["labels_per_split"] == d["labels_per_split"]


def test_no_test_row_or_near_duplicate_is_in_a_training_split(all_rows):
    """Every pair of rows that are equal or near-duplicates (by normalised text, across
    all data sets) shares one split: no test row has a twin among the training rows."""
    by_text: dict[str, set[str]] = {}
    for _, it in all_rows:
        by_text.setdefault(normalise(it.text), set()).add(split_of(it))
    assert all(len(s) == 1 for s in by_text.values()), "one normalised text, two splits"
    texts = sorted(by_text)
    split = [next(iter(by_text[t])) for t in texts]
    crossing = [
        (texts[i], texts[j])
        for i, j in _jaccard_pairs(texts)
        if split[i] != split[j] and "train" in (split[i], split[j])
    ]
    assert not crossing, f"{len(crossing)} near-duplicate pairs cross train: {crossing[:3]}"


def test_globalopinionqa_is_split_by_question(all_rows):
    per_question: dict[str, set[str]] = {}
    for name, it in all_rows:
        if name == "globalopinionqa":
            per_question.setdefault(it.text, set()).add(split_of(it))
    assert len(per_question) > 1000
    assert all(len(s) == 1 for s in per_question.values())

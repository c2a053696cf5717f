"""The semantic-entropy probe's target and rows (eval.judges): label-free, train/dev only."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agent.llm.fake import FakeBackend
from eval.judges import features as F
from eval.judges.data import SE_ROWS, se_rows
from eval.paths import DEFAULT_DATA_DIR


class ExactJudge:
    """Two answers mean the same when their texts are equal."""

    def bind(self, question, texts):
        return lambda i, j: texts[i] == texts[j]


def test_semantic_entropy_target_counts_meaning_clusters_of_the_samples():
    def script(messages):
        q = messages[-1]["content"]
        return ["Lima."] if "Peru" in q else ["Paris.", "Lyon.", "Paris.", "Nice.", "Paris."]

    fn = F.semantic_entropies(FakeBackend(script), ExactJudge(), seed=0)
    calm, scattered = fn(["Capital of Peru?", "Capital of France?"])
    assert calm[0] == 0.0 and calm[2] == pytest.approx(1 / F.SE_SAMPLES)
    p = np.array([3, 1, 1]) / 5
    assert scattered[0] == pytest.approx(float(-(p * np.log(p)).sum()))
    assert scattered[2] == pytest.approx(3 / F.SE_SAMPLES)
    assert 0.0 <= scattered[1] <= math.log(3) + 1e-9  # likelihood-weighted, same clusters


@pytest.mark.skipif(not DEFAULT_DATA_DIR.is_dir(), reason="../shared/data absent")
def test_se_rows_are_a_fixed_train_and_dev_subset():
    rows = se_rows(DEFAULT_DATA_DIR)
    assert rows == se_rows(DEFAULT_DATA_DIR)
    assert {r.split for r in rows} == {"train", "dev"}  # never a test row
    for source, per_split in SE_ROWS.items():
        for split, n in per_split.items():
            assert sum(r.source == source and r.split == split for r in rows) == n
    assert len({r.text for r in rows}) == len(rows)

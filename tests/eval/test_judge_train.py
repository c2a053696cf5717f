"""The likely_wrong operating point: a cap on false hedging, not a ratio of the classes."""

from __future__ import annotations

import numpy as np
import pytest

from eval.judges.data import Row, fact_exemplar_rows, load_fact_exemplars
from eval.judges.train import MAX_FALSE_HEDGE, threshold_for, youden_threshold
from eval.paths import DEFAULT_DATA_DIR


def _rows(n: int) -> list[Row]:
    return [Row(f"q{i}", 0, "dev", "ambignq") for i in range(n)]


def test_likely_wrong_threshold_is_the_lowest_within_the_false_hedge_budget():
    rng = np.random.default_rng(0)
    y = np.array([1] * 80 + [0] * 40)
    p = np.concatenate([rng.uniform(0.3, 1.0, 80), rng.uniform(0.0, 0.7, 40)])
    t = threshold_for("likely_wrong", y, p, _rows(len(y)))
    assert np.mean(p[y == 0] >= t) <= MAX_FALSE_HEDGE
    lower = p[p < t].max()  # the next candidate below breaks the budget
    assert np.mean(p[y == 0] >= lower) > MAX_FALSE_HEDGE


def test_the_rule_does_not_move_with_the_share_of_right_answers():
    # the same score distributions, right answers 5% or 50% of the rows: one threshold
    right = np.linspace(0.0, 0.6, 20)
    wrong = np.linspace(0.3, 1.0, 20)
    few = (np.r_[np.ones(380), np.zeros(20)], np.r_[np.tile(wrong, 19), right])
    many = (np.r_[np.ones(20), np.zeros(20)], np.r_[wrong, right])
    ts = [threshold_for("likely_wrong", y, p, _rows(len(y))) for y, p in (few, many)]
    assert ts[0] == ts[1]
    assert 0.0 < youden_threshold(*many) <= 1.0


@pytest.mark.skipif(not DEFAULT_DATA_DIR.is_dir(), reason="../shared/data absent")
def test_fact_exemplars_are_train_or_dev_rows_and_tasks_are_labelled_no_hedge():
    rows = fact_exemplar_rows(DEFAULT_DATA_DIR)
    assert {r.split for r in rows} == {"train", "dev"}
    tasks = [r for r in rows if r.group == "task"]
    assert tasks and all(r.label == 0 and not r.gold for r in tasks)
    facts = [r for r in rows if r.group != "task"]
    assert facts and all(r.label == -1 and r.gold for r in facts)  # from the model's answer
    assert len(rows) <= len(load_fact_exemplars())

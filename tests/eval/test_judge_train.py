"""The judges' fits, rows and operating points: the MLP seed average, the likely_wrong cap
on false hedging (not a ratio of the classes), the exemplar weight, the fact exemplars'
rows."""

from __future__ import annotations

import numpy as np
import pytest

from eval.judges.data import (
    Row,
    exemplar_split,
    fact_exemplar_rows,
    judge_rows,
    load_fact_exemplars,
)
from eval.judges.train import (
    EXEMPLAR_WEIGHTS,
    MAX_DEV_AUROC_LOSS,
    MAX_FALSE_HEDGE,
    MAX_OVER_ASKING,
    OVER_ASKING_Z,
    exemplar_weight,
    select,
    threshold_for,
    youden_threshold,
)
from eval.metrics import wilson_upper
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


def test_clarify_threshold_keeps_the_wilson_bound_of_data_set_over_asking_in_budget():
    # 200 ambiguous and 400 clear data-set rows, 400 clear exemplar rows scored 0 (never
    # asked): they must not dilute the over-asking the budget is about
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(200), np.zeros(800)].astype(int)
    p = np.r_[rng.uniform(0.3, 1.0, 200), rng.uniform(0.0, 0.8, 400), np.zeros(400)]
    sources = ["clamber"] * 600 + ["exemplars"] * 400
    rows = [Row(f"q{i}", int(y[i]), "dev", s) for i, s in enumerate(sources)]
    t = threshold_for("needs_clarification", y, p, rows)
    clear = p[200:600] >= t
    assert wilson_upper(int(clear.sum()), 400, OVER_ASKING_Z) <= MAX_OVER_ASKING
    assert np.mean(p[200:] >= t) < np.mean(clear)  # exemplars would have made room
    assert np.mean(p[:200] >= t) > 0.3  # it still asks


@pytest.mark.skipif(not DEFAULT_DATA_DIR.is_dir(), reason="../shared/data absent")
def test_fact_exemplars_are_train_or_dev_rows_and_tasks_are_labelled_no_hedge():
    rows = fact_exemplar_rows(DEFAULT_DATA_DIR)
    assert {r.split for r in rows} == {"train", "dev"}
    tasks = [r for r in rows if r.group == "task"]
    assert tasks and all(r.label == 0 and not r.gold for r in tasks)
    facts = [r for r in rows if r.group != "task"]
    assert facts and all(r.label == -1 and r.gold for r in facts)  # from the model's answer
    assert len(rows) <= len(load_fact_exemplars())


@pytest.mark.skipif(not DEFAULT_DATA_DIR.is_dir(), reason="../shared/data absent")
def test_fact_exemplars_are_needs_clarification_rows_labelled_clear_in_their_hash_split():
    rows = judge_rows("needs_clarification", DEFAULT_DATA_DIR)
    facts = [r for r in rows if r.source == "fact_exemplars"]
    written = {r.text for r in fact_exemplar_rows(DEFAULT_DATA_DIR)}
    assert {r.text for r in facts} == written  # the fact questions and the task requests
    assert {r.group for r in facts} - {"task"}, "the clear fact questions are rows too"
    assert all(r.label == 0 and not r.gold for r in facts)
    assert all(r.split == exemplar_split(r.text) for r in facts)
    assert {r.split for r in facts} == {"train", "dev"}


def test_exemplar_weight_picks_from_the_grid_within_the_dev_auroc_floor():
    # most rows: label = sign of feature 0; exemplar rows: label = sign of feature 1
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 2))
    exemplar = np.arange(600) % 10 == 0
    y = np.where(exemplar, x[:, 1] > 0, x[:, 0] > 0).astype(int)
    split = np.arange(600) % 3
    train, dev = split != 0, split == 0
    feats = {"f": x}
    fitted, _ = select("j", {"f": ("f",)}, feats, y, train, dev)
    best, w, table = exemplar_weight("j", fitted, feats, y, train, dev, exemplar)
    assert w in EXEMPLAR_WEIGHTS and [r["exemplar_weight"] for r in table] == list(EXEMPLAR_WEIGHTS)
    chosen = next(r for r in table if r["exemplar_weight"] == w)
    assert chosen["dev_auroc"] >= table[0]["dev_auroc"] - MAX_DEV_AUROC_LOSS
    allowed = [r for r in table if r["dev_auroc"] >= table[0]["dev_auroc"] - MAX_DEV_AUROC_LOSS]
    assert chosen["dev_exemplar_auroc"] == max(r["dev_exemplar_auroc"] for r in allowed)
    assert best.features == ("f",) and best.probe.block_names == ("f",)


def test_an_mlp_probe_is_the_logit_average_of_its_seeded_members():
    from sklearn.neural_network import MLPClassifier

    from eval.judges.train import MLP_SEEDS, MLP_UNITS, SEED, fit_probe

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 6))
    y = (x[:, 0] + 0.5 * x[:, 1] ** 2 > 0.5).astype(int)
    probe = fit_probe("mlp", {"block": x}, y, ("mlp", 1.0))
    assert probe.hidden[0][0].shape == (6, MLP_SEEDS * MLP_UNITS)
    z = (x - probe.mean) / probe.scale
    members = [
        MLPClassifier((MLP_UNITS,), alpha=1.0, max_iter=300, random_state=SEED + k).fit(z, y)
        for k in range(MLP_SEEDS)
    ]
    logits = [
        np.maximum(z @ m.coefs_[0] + m.intercepts_[0], 0) @ m.coefs_[1][:, 0] + m.intercepts_[1][0]
        for m in members
    ]
    np.testing.assert_allclose(probe.logit(x), np.mean(logits, axis=0), rtol=1e-9, atol=1e-9)
    assert len({round(float(lg[0]), 6) for lg in logits}) == MLP_SEEDS  # the seeds differ

"""The probe: standardised logistic regression stored without pickle; answer statistics."""

from __future__ import annotations

import numpy as np
import pytest

from uncertainty.probe import NLL_CAP, Probe, answer_stats, load_probe, save_probe


def _probe() -> Probe:
    return Probe(
        name="toy-v1",
        blocks=(("embedding", 3), ("answer_stats", 1)),
        mean=np.array([0.0, 1.0, 0.0, 2.0]),
        scale=np.array([1.0, 2.0, 1.0, 0.5]),
        coef=np.array([1.0, -1.0, 0.5, 2.0]),
        intercept=-0.25,
        meta={"C": 0.1},
    )


def test_probability_is_the_standardised_logistic():
    p = _probe()
    x = p.features({"answer_stats": [3.0], "embedding": [1.0, 3.0, -2.0]})
    assert x.tolist() == [1.0, 3.0, -2.0, 3.0]  # blocks in the probe's order
    z = 1.0 * 1.0 - 1.0 * 1.0 + 0.5 * -2.0 + 2.0 * 2.0 - 0.25
    assert p.score({"answer_stats": [3.0], "embedding": [1.0, 3.0, -2.0]}) == pytest.approx(
        1 / (1 + np.exp(-z))
    )


def test_matches_scikit_learn_on_the_same_fit():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = (x[:, 0] + 0.5 * rng.normal(size=200) > 0).astype(int)
    model = LogisticRegression().fit(x, y)
    probe = Probe("lr", (("x", 3),), np.zeros(3), np.ones(3), model.coef_[0], model.intercept_[0])
    assert np.allclose(probe.probability(x), model.predict_proba(x)[:, 1])


def test_round_trip_without_pickle(tmp_path):
    path = save_probe(_probe(), tmp_path / "toy.npz")
    loaded = load_probe(path)
    assert loaded.name == "toy-v1" and loaded.blocks == _probe().blocks
    assert loaded.meta == {"C": 0.1}
    blocks = {"embedding": [0.2, 0.1, 0.3], "answer_stats": [1.0]}
    assert loaded.score(blocks) == pytest.approx(_probe().score(blocks), abs=1e-6)
    with np.load(path, allow_pickle=False) as data:  # loads with pickle refused
        assert set(data.files) == {"mean", "scale", "coef", "intercept", "header"}


def test_wrong_or_missing_blocks_are_named():
    p = _probe()
    with pytest.raises(KeyError, match="answer_stats"):
        p.score({"embedding": [0, 0, 0]})
    with pytest.raises(ValueError, match="embedding"):
        p.score({"embedding": [0, 0], "answer_stats": [1.0]})
    with pytest.raises(ValueError, match="scale"):
        Probe("bad", (("x", 1),), np.zeros(1), np.zeros(1), np.ones(1), 0.0)


def test_answer_stats_edge_cases():
    assert answer_stats([-1.0, -3.0], 4).tolist() == [2.0, 3.0, 1.0, 0.5]
    assert answer_stats([], 4).tolist() == [NLL_CAP, NLL_CAP, 0.0, 0.0]  # nothing said
    stats = answer_stats([-1.0, float("-inf"), float("nan")], 3)
    assert np.isfinite(stats).all() and stats[1] == NLL_CAP
    assert answer_stats([-0.1] * 10, 4)[3] == 1.0  # share capped at the budget
    with pytest.raises(ValueError):
        answer_stats([-1.0], 0)


def test_mlp_probe_matches_scikit_learn_and_round_trips(tmp_path):
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 4))
    y = ((x[:, 0] * x[:, 1]) > 0).astype(int)
    clf = MLPClassifier((8,), max_iter=500, random_state=0).fit(x, y)
    probe = Probe(
        "mlp",
        (("x", 4),),
        np.zeros(4),
        np.ones(4),
        clf.coefs_[1][:, 0],
        float(clf.intercepts_[1][0]),
        hidden=((clf.coefs_[0], clf.intercepts_[0]),),
    )
    assert np.allclose(probe.probability(x), clf.predict_proba(x)[:, 1])
    loaded = load_probe(save_probe(probe, tmp_path / "mlp.npz"))
    assert np.allclose(loaded.probability(x), probe.probability(x), atol=1e-5)
    with pytest.raises(ValueError, match="hidden"):
        Probe(
            "bad",
            (("x", 4),),
            np.zeros(4),
            np.ones(4),
            np.ones(8),
            0.0,
            hidden=((np.ones((3, 8)), np.zeros(8)),),
        )

"""The learned judges at run time: feature blocks, probes, one estimate per component."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agent.errors import ConfigError
from agent.judges import COMPONENT_OF, JUDGES, WEIGHTS_DIR, Judges, judge_conversation
from agent.llm.fake import FakeBackend
from tests.agent.fake_embedder import FakeEmbedder
from uncertainty.probe import Probe, save_probe

REAL_JUDGES = True  # tests/conftest.py: this module loads real (tiny or trained) probes


def _write_probes(folder, dim=64):
    rng = np.random.default_rng(0)
    for judge in JUDGES:
        blocks = (("embedding", dim),) + ((("answer_stats", 4),) if judge == "likely_wrong" else ())
        width = sum(w for _, w in blocks)
        probe = Probe(
            f"{judge}-test",
            blocks,
            np.zeros(width),
            np.ones(width),
            rng.normal(size=width),
            0.0,
            {"dev_threshold": 0.5},
        )
        save_probe(probe, folder / f"{judge}.npz")


def test_each_judge_estimates_its_component(tmp_path):
    _write_probes(tmp_path)
    judges = Judges.load(tmp_path)
    seen = []
    backend = FakeBackend(lambda m: seen.append(m) or ["Paris is the capital."])
    out = judges.estimates("What is the capital of France?", FakeEmbedder(), backend)
    assert [e.component for e in out] == [COMPONENT_OF[j] for j in JUDGES]
    assert all(0.0 <= e.probability <= 1.0 for e in out)
    assert {e.probe for e in out} == {f"{j}-test" for j in JUDGES}
    wrong = next(e for e in out if e.component == "epistemic")
    assert wrong.features == ("embedding", "answer_stats")
    assert seen == [judge_conversation("What is the capital of France?")]  # one greedy call
    again = judges.estimates("What is the capital of France?", FakeEmbedder(), backend)
    assert [e.probability for e in again] == [e.probability for e in out]


def test_judges_without_answer_features_never_generate(tmp_path):
    _write_probes(tmp_path)
    judges = Judges.load(tmp_path)
    judges.probes["likely_wrong"] = judges.probes["contested"]
    seen = []
    judges.estimates("hi there friend", FakeEmbedder(), FakeBackend(lambda m: seen.append(m)))
    assert seen == []


def test_missing_weights_say_how_to_train(tmp_path):
    with pytest.raises(ConfigError, match="train-judges"):
        Judges.load(tmp_path)


@pytest.mark.model
def test_the_trained_judges_load_and_score_requests(embedder, default_backend):
    """The committed weights on the real embedder and model: a clear fact is neither
    contested nor in need of clarifying; a moral question is contested."""
    judges = Judges.load()
    fact = {
        e.component: e
        for e in judges.estimates("What is the capital of France?", embedder, default_backend)
    }
    moral = {
        e.component: e
        for e in judges.estimates(
            "Should the death penalty be abolished?", embedder, default_backend
        )
    }
    # (the question is no exemplar: prompts/normativity.yaml must not near-duplicate it)
    contested_at = moral["value_conflict"].evidence["threshold_chosen_on_dev"]
    assert fact["value_conflict"].probability < 0.1 < contested_at
    assert moral["value_conflict"].probability > 0.8 > contested_at
    assert fact["ambiguity"].probability < fact["ambiguity"].evidence["threshold_chosen_on_dev"]
    assert {e.probe for e in fact.values()} == {f"{j}-v1" for j in JUDGES}
    card = json.loads((WEIGHTS_DIR / "card.json").read_text())
    assert fact["epistemic"].features == tuple(card["judges"]["likely_wrong"]["features"])


def test_an_auxiliary_probe_feeds_its_logit_to_the_judge_that_reads_it(tmp_path):
    _write_probes(tmp_path)
    rng = np.random.default_rng(1)
    sep = Probe(
        "semantic_entropy-test",
        (("embedding", 64), ("answer_stats", 4)),
        np.zeros(68),
        np.ones(68),
        rng.normal(size=68),
        0.3,
    )
    save_probe(sep, tmp_path / "semantic_entropy.npz")
    wrong = Probe(
        "likely_wrong-test",
        (("se_probe", 1), ("token_entropy", 1)),
        np.zeros(2),
        np.ones(2),
        np.array([2.0, 0.5]),
        -1.0,
    )
    save_probe(wrong, tmp_path / "likely_wrong.npz")
    judges = Judges.load(tmp_path)
    assert judges.needs() == {"embedding", "answer_stats", "token_entropy"}
    backend = FakeBackend(lambda m: ["Lima."])
    blocks, greedy = judges.read("What is the capital of Peru?", FakeEmbedder(), backend)
    assert greedy is not None and blocks["se_probe"].shape == (1,)
    expected = sep.logit(sep.features(blocks))
    assert blocks["se_probe"][0] == pytest.approx(float(expected))
    estimate = next(e for e in judges.score(blocks) if e.component == "epistemic")
    assert estimate.probability == pytest.approx(wrong.score(blocks))
    (tmp_path / "semantic_entropy.npz").unlink()
    with pytest.raises(ConfigError, match="auxiliary"):
        Judges.load(tmp_path)

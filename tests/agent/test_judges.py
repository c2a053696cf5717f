"""The learned judges at run time: feature blocks, probes, one estimate per component."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agent.errors import ConfigError
from agent.judges import (
    COMPONENT_OF,
    JUDGES,
    WEIGHTS_DIR,
    Judges,
    in_thread,
    judge_conversation,
)
from agent.llm.fake import FakeBackend
from agent.templates import fold
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


GOLD = "What is the price of an ounce of gold today?"
THREAD = [
    {"role": "user", "content": GOLD},
    {"role": "assistant", "content": "About two thousand dollars."},
]


class RecordingEmbedder(FakeEmbedder):
    def __init__(self):
        super().__init__()
        self.texts: list[list[str]] = []

    def embed(self, texts):
        self.texts.append(list(texts))
        return super().embed(texts)


def test_the_thread_shape_folds_the_message_onto_the_previous_request():
    assert in_thread("and for silver?") is None
    assert in_thread("and for silver?", "") is None  # a thread's first turn
    assert in_thread("and for silver?", GOLD) == fold(GOLD, "and for silver?")
    assert fold(GOLD, "and for silver?") == f"{GOLD} (and for silver?)"  # prompts/clarified.txt


def test_the_clarify_reply_and_the_thread_shape_are_the_same_fold():
    from agent.nodes.respond import fold_reply

    assert fold_reply(GOLD, "and for silver?", ["a", "b"]) == in_thread("and for silver?", GOLD)


def test_needs_clarification_is_the_min_of_the_message_alone_and_in_its_thread(tmp_path):
    _write_probes(tmp_path)
    judges = Judges.load(tmp_path)
    backend = FakeBackend(lambda m: ["Silver is cheaper."])
    embedder = RecordingEmbedder()
    follow_up = "and what about silver coins?"
    blocks, _ = judges.read(follow_up, embedder, backend, context=THREAD, previous=GOLD)
    assert embedder.texts == [[follow_up, fold(GOLD, follow_up)]]  # one embedding call
    alone = judges.estimates(follow_up, FakeEmbedder(), backend)
    with_thread = judges.score(blocks)
    clar = judges.probes["needs_clarification"]
    p_alone = clar.score(blocks)
    p_thread = clar.score({**blocks, "embedding": blocks["embedding_in_thread"]})
    assert p_alone != pytest.approx(p_thread)  # the fold changes what the judge reads
    amb = next(e for e in with_thread if e.component == "ambiguity")
    assert amb.probability == pytest.approx(min(p_alone, p_thread))
    assert amb.evidence["alone"] == pytest.approx(p_alone)
    assert amb.evidence["in_thread"] == pytest.approx(p_thread)
    first = next(e for e in alone if e.component == "ambiguity")
    assert first.probability == pytest.approx(p_alone) and "in_thread" not in first.evidence
    for component in ("value_conflict", "epistemic"):  # these read the message alone
        a = next(e for e in alone if e.component == component)
        t = next(e for e in with_thread if e.component == component)
        assert t.probability == pytest.approx(a.probability) and "in_thread" not in t.evidence


def test_the_judge_node_reads_the_thread_of_a_follow_up(tmp_path):
    """agent.nodes.judge hands the earlier turns to the judges: a follow-up's ambiguity
    carries both readings, a first message only its own."""
    from agent.nodes.judge import judge
    from tests.agent.fakes import node_runtime

    _write_probes(tmp_path)
    judges = Judges.load(tmp_path)
    runtime = node_runtime(
        backend=FakeBackend(lambda m: ["ok"]), embedder=FakeEmbedder(), judges=judges
    )
    history = [{**m, "kind": "user" if m["role"] == "user" else "answer"} for m in THREAD]
    follow = {
        "request": "and for silver?",
        "previous_request": GOLD,
        "history": history,
        "turn_start": len(history),
    }
    first = {"request": "and for silver?", "previous_request": "", "history": [], "turn_start": 0}
    amb = {
        name: next(e for e in judge(state, runtime)["judgments"] if e.component == "ambiguity")
        for name, state in (("follow", follow), ("first", first))
    }
    assert "in_thread" not in amb["first"].evidence
    assert amb["follow"].evidence["alone"] == pytest.approx(amb["first"].probability)
    assert amb["follow"].probability == pytest.approx(
        min(amb["follow"].evidence["alone"], amb["follow"].evidence["in_thread"])
    )


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

from types import SimpleNamespace

import numpy as np
import pytest

from uncertainty import EmbeddingJudge, EquivalenceJudge, LLMJudge, NLIJudge, cluster_answers
from uncertainty.nli import HFNLIClassifier, normalise_id2label

Q = "What is the capital of France?"


def fake_nli(facts):
    """Entailment iff the hypothesis' key fact is in the premise's set of facts."""
    calls = []

    def classify(pairs):
        calls.append(list(pairs))
        out = []
        for premise, hypothesis in pairs:
            p = {k for k in facts if k in premise}
            h = {k for k in facts if k in hypothesis}
            if h and h <= p:
                out.append("entailment")
            elif p and h and not (p & h):
                out.append("contradiction")
            else:
                out.append("neutral")
        return out

    return classify, calls


def test_nli_bidirectional_entailment_with_question_in_context():
    classify, calls = fake_nli(["Paris", "Lyon", "Europe"])
    judge = NLIJudge(classify=classify)
    assert isinstance(judge, EquivalenceJudge)
    texts = ["Paris", "It is Paris.", "Paris, in Europe", "Lyon"]
    same = judge.bind(Q, texts)
    assert same(0, 1)
    # "Paris, in Europe" entails "Paris" but not the other way round: strict says different.
    assert not same(0, 2)
    assert not same(0, 3)
    premise, hypothesis = calls[0][0]
    assert premise.startswith(Q) and hypothesis.startswith(Q)
    assert calls[0][1] == (hypothesis, premise)  # both directions, one batch


def test_nli_loose_rule_and_cache():
    classify, calls = fake_nli(["Paris", "Lyon", "Europe"])
    same = NLIJudge(classify=classify, strict=False).bind(Q, ["Paris", "Paris, in Europe", "Lyon"])
    assert same(0, 1)  # entailment one way, neutral the other: no contradiction
    assert not same(0, 2)
    n = len(calls)
    assert same(1, 0) and len(calls) == n  # symmetric cache


def test_nli_needs_model_or_classifier():
    with pytest.raises(ValueError):
        NLIJudge()


@pytest.mark.parametrize(
    "id2label",
    [
        {0: "contradiction", 1: "entailment", 2: "neutral"},  # cross-encoder/nli-*
        {"0": "ENTAILMENT", "1": "NEUTRAL", "2": "CONTRADICTION"},  # roberta-large-mnli
    ],
)
def test_label_mapping_read_from_config(id2label):
    mapping = normalise_id2label(id2label)
    ent = next(int(k) for k, v in id2label.items() if v.lower() == "entailment")
    assert mapping[ent] == "entailment"
    assert set(mapping.values()) == {"entailment", "neutral", "contradiction"}


def test_label_mapping_rejects_non_nli_model():
    with pytest.raises(ValueError, match="entailment"):
        normalise_id2label({0: "LABEL_0", 1: "LABEL_1"})


def test_hf_classifier_uses_config_labels():
    import torch

    class Tok:
        def __call__(self, premises, hypotheses, **kw):
            return {"input_ids": torch.tensor([[len(p) % 2] for p in premises])}

    class Model:
        config = SimpleNamespace(id2label={0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"})

        def __call__(self, input_ids):
            logits = torch.zeros(len(input_ids), 3)
            for row, (x,) in enumerate(input_ids.tolist()):
                logits[row, 2 if x == 0 else 0] = 1.0
            return SimpleNamespace(logits=logits)

    clf = HFNLIClassifier(Model(), Tok(), batch_size=1)
    assert clf([("ab", "x"), ("abc", "x")]) == ["entailment", "contradiction"]


class FakeEmbedder:
    """The question is the z axis; "Q? x" embeds as z + table[x] (answer adds table[x])."""

    def __init__(self, table):
        self.table = table
        self.batches = []

    def embed(self, texts):
        self.batches.append(list(texts))
        z = np.array([0.0, 0.0, 1.0])
        rows = []
        for t in texts:
            if t.startswith("Q?"):
                rest = t[3:]
                rows.append(z + np.r_[self.table[rest], 0.0] if rest else z)
            else:
                rows.append(np.r_[self.table.get(t, [0.0, 0.0]), 0.0])
        return np.stack(rows)


def test_embedding_judge_compares_what_answers_add_to_the_question():
    emb = FakeEmbedder({"a": [1, 0], "a2": [0.95, 0.1], "b": [0, 1]})
    judge = EmbeddingJudge(emb, threshold=0.9)
    c = cluster_answers(["a", "a2", "b", "a"], judge, question="Q?")
    assert c.assignments == [0, 0, 1, 0]
    assert emb.batches == [["Q?", "Q? a", "Q? a2", "Q? b", "Q? a"]]  # one batch
    v = judge.vectors("Q?", ["a", "b"])
    assert np.allclose(v, [[1, 0, 0], [0, 1, 0]])
    assert np.allclose(judge.vectors("", ["a", "b"])[:, :2], [[1, 0], [0, 1]])


def test_llm_judge_wraps_callable():
    asked = []

    def ask(question, a, b):
        asked.append((question, a, b))
        return a.lower() == b.lower()

    same = LLMJudge(ask).bind("Q?", ["Yes", "yes", "No"])
    assert same(0, 1) and not same(0, 2)
    assert asked[0] == ("Q?", "Yes", "yes")

"""Judges that read the model's own prompt embedding (agent.judges LLM_BLOCK): read from a
backend that gives it for the model they were trained on, else their fallback probe."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from agent.errors import ConfigError
from agent.judges import COMPONENT_OF, FALLBACK, JUDGES, LLM_BLOCK, Judges, judge_conversation
from agent.llm.fake import FakeBackend
from tests.agent.fake_embedder import FakeEmbedder
from uncertainty.probe import Probe, save_probe

REAL_JUDGES = True  # tests/conftest.py: this module loads real (tiny) probes
MODEL = "TinyLM (test)"
WIDTH = 8


class EmbeddingBackend(FakeBackend):
    """A fake model that also gives a prompt embedding: a hash of the rendered prompt."""

    name = f"{MODEL} [fake]"

    def __init__(self):
        super().__init__(lambda m: ["Paris."])
        self.embedded: list[list] = []

    def prompt_embeddings(self, conversations):
        self.embedded.append(conversations)
        rows = []
        for conv in conversations:
            seed = int(hashlib.sha256(repr(conv).encode()).hexdigest()[:8], 16)
            rows.append(np.random.default_rng(seed).normal(size=WIDTH))
        return np.array(rows)


def _probe(name, blocks, meta=None, seed=0):
    width = sum(w for _, w in blocks)
    rng = np.random.default_rng(seed)
    return Probe(
        name,
        blocks,
        np.zeros(width),
        np.ones(width),
        rng.normal(size=width),
        0.0,
        {"dev_threshold": 0.5} | (meta or {}),
    )


def _write(folder, fallback=True):
    emb = (("embedding", 64),)
    for judge in JUDGES:
        blocks = emb + (((LLM_BLOCK, WIDTH),) if judge == "needs_clarification" else ())
        meta = {"llm": MODEL} if judge == "needs_clarification" else {}
        save_probe(_probe(f"{judge}-test", blocks, meta), folder / f"{judge}.npz")
    if fallback:
        save_probe(
            _probe("needs_clarification-fallback-test", emb, seed=1),
            folder / FALLBACK.format(judge="needs_clarification"),
        )


def _ambiguity(estimates):
    return next(e for e in estimates if e.component == "ambiguity")


def test_a_backend_with_prompt_embeddings_feeds_the_judge_that_reads_them(tmp_path):
    _write(tmp_path)
    judges = Judges.load(tmp_path)
    backend = EmbeddingBackend()
    first = _ambiguity(judges.estimates("Convert this file for me.", FakeEmbedder(), backend))
    assert first.probe == "needs_clarification-test" and LLM_BLOCK in first.features
    assert "fallback" not in first.evidence
    assert backend.embedded == [[judge_conversation("Convert this file for me.")]]
    again = _ambiguity(judges.estimates("Convert this file for me.", FakeEmbedder(), backend))
    assert again.probability == first.probability  # deterministic
    other = _ambiguity(judges.estimates("Book me a table.", FakeEmbedder(), backend))
    assert other.probability != first.probability


def test_without_prompt_embeddings_the_fallback_probe_answers_and_says_so(tmp_path):
    _write(tmp_path)
    judges = Judges.load(tmp_path)
    plain = _ambiguity(
        judges.estimates(
            "Convert this file for me.", FakeEmbedder(), FakeBackend(lambda m: ["Sure."])
        )
    )
    assert plain.probe == "needs_clarification-fallback-test"
    assert plain.features == ("embedding",) and "fallback" in plain.evidence
    other_model = EmbeddingBackend()
    other_model.name = "AnotherLM [fake]"  # its vectors are not the ones the probe learnt
    judged = _ambiguity(judges.estimates("Convert this file for me.", FakeEmbedder(), other_model))
    assert judged.probe == "needs_clarification-fallback-test" and other_model.embedded == []
    # the other judges read no LLM_BLOCK and have no fallback: unchanged either way
    assert {e.probe for e in judges.estimates("hi", FakeEmbedder(), other_model)} >= {
        "contested-test",
        "likely_wrong-test",
    }


def test_a_follow_up_reads_the_prompt_embedding_of_its_thread_shape_too(tmp_path):
    _write(tmp_path)
    judges = Judges.load(tmp_path)
    backend = EmbeddingBackend()
    est = _ambiguity(
        judges.judge("and for silver?", FakeEmbedder(), backend, previous="Price of gold?")[0]
    )
    assert [len(c) for c in backend.embedded] == [1, 1]  # alone and in its thread
    assert est.probability == min(est.evidence["alone"], est.evidence["in_thread"])
    assert est.evidence["alone"] != est.evidence["in_thread"]


def test_a_judge_reading_the_block_needs_its_fallback_weights(tmp_path):
    _write(tmp_path, fallback=False)
    with pytest.raises(ConfigError, match="fallback"):
        Judges.load(tmp_path)


@pytest.mark.model
def test_the_default_model_gives_the_committed_judges_its_block(
    embedder, llamacpp_backend, transformers_backend
):
    """The committed weights on the real model: the judges that read LLM_BLOCK get it
    from llama.cpp (the default) and from transformers (the same weights, the same
    vector up to float rounding), deterministically; a backend without it gets the
    fallback probe."""
    judges = Judges.load()
    assert judges.fallbacks, "no committed judge reads the model's prompt embedding"
    request = "Convert this file for me."
    first = judges.estimates(request, embedder, llamacpp_backend)
    again = judges.estimates(request, embedder, llamacpp_backend)
    blocks = [
        judges.read(request, embedder, b)[0][LLM_BLOCK]
        for b in (llamacpp_backend, transformers_backend)
    ]
    assert (
        float(blocks[0] @ blocks[1]) / np.linalg.norm(blocks[0]) / np.linalg.norm(blocks[1])
        > 0.9999
    )
    for judge in judges.fallbacks:
        a, b = (next(e for e in es if e.component == COMPONENT_OF[judge]) for es in (first, again))
        assert LLM_BLOCK in a.features and a.probe == f"{judge}-v1"
        assert a.probability == b.probability and "fallback" not in a.evidence
    server_like = FakeBackend(lambda m: ["I could convert it, yes."])
    for e in judges.estimates(request, embedder, server_like):
        if e.component in {COMPONENT_OF[j] for j in judges.fallbacks}:
            assert e.probe.endswith("-fallback-v1") and "fallback" in e.evidence

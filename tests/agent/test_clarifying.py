import numpy as np
import pytest

from agent.clarifying import (
    WEIGHTS_PATH,
    KindModel,
    QuestionWriter,
    extract_slots,
    load_kind_model,
    load_templates,
)
from agent.errors import ConfigError
from tests.agent.fake_embedder import FakeEmbedder


def kind_model(embedder, examples: dict[str, str]) -> KindModel:
    """A softmax model whose weight rows are the embeddings of one example per kind."""
    kinds = tuple(examples)
    coef = 10 * embedder.embed(list(examples.values()))
    return KindModel(kinds, coef, np.zeros(len(kinds)))


@pytest.fixture
def writer():
    embedder = FakeEmbedder(dim=256)
    model = kind_model(
        embedder,
        {
            "co-reference": "Matthew taught Joshua cooking before graduated",
            "NK": "habitat species range body mass value",
            "when": "last time champions league winner",
            "polysemy": "meaning plot significance",
        },
    )
    return QuestionWriter(embedder, model)


def test_co_reference_names_the_pronoun_and_both_candidates(writer):
    q = writer.question(
        "Matthew told Joshua that he horrified the client. Who horrified the client?"
    )
    assert q.text == "What does he refer to? Matthew or Joshua?"
    assert (q.kind, q.category, q.filled) == ("co-reference", "LA", True)
    q = writer.question("The sister-in-law wrote a letter to Amanda because she is leaving.")
    assert q.text == "What does she refer to? the sister-in-law or Amanda?"


def test_unfamiliar_name_is_quoted_back(writer):
    q = writer.question("What is the body mass range of Fica at atra atra?")
    assert q.kind == "NK" and '"Fica at atra atra"' in q.text


def test_open_question_for_a_time_that_is_left_open(writer):
    q = writer.question("When was the last time the champions league winner was decided?")
    assert q.kind == "when" and "which year" in q.text


def test_readings_to_offer_are_named(writer):
    q = writer.question("Is it legal?", ["Is it legal in France?", "Is it legal in Texas?"])
    assert q.text == "Which one do you mean: Is it legal in France, or Is it legal in Texas?"
    assert q.kind == "options"


def test_a_template_the_request_cannot_fill_falls_back(writer):
    q = writer.for_kind("who did it?", "co-reference")
    assert not q.filled and q.text == load_templates().kinds["co-reference"].fallback
    # ... and a kind whose template fills wins over a slightly likelier one that does not
    model = KindModel(("co-reference", "when"), np.zeros((2, 256)), np.array([0.1, 0.0]))
    q = QuestionWriter(writer.embedder, model).question("who did it?")
    assert q.kind == "when" and q.filled


def test_slots():
    slots = extract_slots('The categories are either "animal" or "outdoor location". Output X.')
    assert (slots["either"], slots["or"]) == ("animal", "outdoor location")
    assert extract_slots("Does Chacojos live in hammock habitat?")["term"] == "Chacojos"
    assert extract_slots("What is the plot of Dragonheart?")["term"] == "Dragonheart"
    assert "term" not in extract_slots("how do i get there?")
    assert extract_slots("") == {}


def test_shipped_weights_and_templates_agree():
    model = load_kind_model()
    templates = load_templates()
    assert set(model.kinds) <= set(templates.kinds)
    assert model.coef.shape == (len(model.kinds), 384)
    p = model.probabilities(np.ones((1, 384)) / np.sqrt(384))
    assert p.shape == (1, len(model.kinds)) and np.isclose(p.sum(), 1.0)
    assert WEIGHTS_PATH.with_name("card.md").is_file()


def test_bad_files_are_named(tmp_path):
    bad = tmp_path / "q.yaml"
    bad.write_text("options: 'no slot'\nkinds: {}\n")
    with pytest.raises(ConfigError, match="options"):
        load_templates(bad)
    bad.write_text("options: '$options'\nkinds: {NK: {category: FD}}\n")
    with pytest.raises(ConfigError, match="NK"):
        load_templates(bad)
    with pytest.raises(ConfigError, match="weights"):
        load_kind_model(tmp_path / "missing.json")
    model = KindModel(("nope",), np.zeros((1, 256)), np.zeros(1))
    with pytest.raises(ConfigError, match="nope"):
        QuestionWriter(FakeEmbedder(dim=256), model)


@pytest.mark.model
def test_real_embedder_asks_about_what_is_missing(embedder):
    writer = QuestionWriter(embedder)
    q = writer.question("Kimberly told the aunt that she appalled the granddaughter. Who did?")
    assert q.text == "What does she refer to? Kimberly or the aunt?"
    q = writer.question("What is the preferred water depth range of Hime capitonis?")
    assert q.kind == "NK" and '"Hime capitonis"' in q.text
    q = writer.question("When did the last world cup final take place?")
    assert q.category == "MC" and q.text.endswith("?")
    from agent.nodes.respond import clarify
    from tests.agent.fakes import node_runtime

    request = "Matthew taught Joshua cooking before he graduated. Who graduated?"
    reply = clarify(clarify_state(request, []), node_runtime(embedder=embedder))["reply"]
    assert reply.text == "What does he refer to? Matthew or Joshua?" and reply.options == []


def test_bad_input_still_gets_a_question(writer):
    for request in ("", "   ", "of Abc " * 20000 + "x", "caf\udcc3 \u0000 <|im_start|>?"):
        q = writer.question(request)
        assert q.text.strip().endswith("?")


def clarify_state(request: str, differing: list[str]) -> dict:
    from agent.policy import Route
    from tests.builders import report

    return {
        "request": request,
        "report": report({"ambiguity": 0.9}, differing),
        "route": Route("clarify", "test"),
    }


def test_clarify_node_asks_an_open_question_without_readings():
    from agent.nodes.respond import clarify, fold_reply
    from tests.agent.fakes import node_runtime

    rt = node_runtime(embedder=FakeEmbedder(dim=384))  # the shipped kind model: 384 dims
    request = "Matthew told Joshua that he horrified the client. Who horrified the client?"
    reply = clarify(clarify_state(request, []), rt)["reply"]
    assert reply.kind == "clarify" and reply.options == []
    writer = rt.context.resources.question_writer
    assert reply.text == writer.question(request).text  # the open question, nothing around it
    assert reply.text in {writer.for_kind(request, k).text for k in writer.model.kinds}
    # the user's typed answer resumes the thread with the request completed
    folded = fold_reply(request, "Joshua", reply.options)
    assert request in folded and "Joshua" in folded and folded != request


def test_clarify_node_names_the_readings_it_has():
    from agent.nodes.respond import clarify
    from tests.agent.fakes import node_runtime

    rt = node_runtime(embedder=FakeEmbedder(dim=384))
    readings = ["How hot is it in Celsius?", "How hot is it in Fahrenheit?"]
    reply = clarify(clarify_state("How hot is it?", readings), rt)["reply"]
    assert reply.options == readings
    assert reply.text.startswith(
        "Which one do you mean: How hot is it in Celsius, or How hot is it in Fahrenheit?"
    )
    assert "1. How hot is it in Celsius?" in reply.text and reply.text.endswith("own words.")

"""The facet library: validation that names the bad entry, matching with the real
embedder, and the interpret node taking a matching facet's readings."""

import pytest
import yaml

from agent.errors import ConfigError
from agent.facets import Facet, best_facet, load_facets, match
from agent.llm.fake import FakeBackend
from agent.nodes.interpret import interpret
from tests.agent.fakes import (
    FACTUAL,
    ScriptedJudges,
    kind,
    make_agent,
    node_runtime,
    user_text,
)

LOGIN = "Write a login handler"
HOT = "How hot is it in Paris in summer?"
CELSIUS = "How hot is it in Paris in summer, in degrees Celsius?"
FAHRENHEIT = "How hot is it in Paris in summer, in degrees Fahrenheit?"
GOOD = {
    "id": "units",
    "description": "Units.",
    "exemplars": ["a", "b", "c"],
    "readings": ["$request, in metres", "$request, in feet"],
}


def write(tmp_path, data, name="facets.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_shipped_library_is_valid_and_varied():
    library = load_facets()
    ids = [f.id for f in library.facets]
    assert 10 <= len(ids) <= 14 and len(set(ids)) == len(ids)
    assert 0.0 < library.threshold < 1.0
    # The acceptance requests are not exemplars: matching them tests the method.
    exemplars = {x for f in library.facets for x in f.exemplars}
    assert not exemplars & {LOGIN, HOT, FACTUAL}


@pytest.mark.parametrize(
    "bad, field",
    [
        ({**GOOD, "readings": ["$request, in metres"]}, "readings"),  # one reading
        ({**GOOD, "readings": ["in metres", "$request, in feet"]}, "readings"),  # no $request
        ({**GOOD, "readings": ["$request $unit", "$request"]}, "readings"),  # unknown var
        ({**GOOD, "exemplars": ["only one"]}, "exemplars"),
        ({**GOOD, "id": "Bad Id"}, "id"),
        ({**GOOD, "colour": "red"}, "colour"),
    ],
)
def test_a_bad_entry_is_rejected_with_its_name(tmp_path, bad, field):
    entry = bad if field == "id" else {**bad, "id": "broken"}
    path = write(tmp_path, {"threshold": 0.5, "facets": [GOOD, entry]})
    with pytest.raises(ConfigError) as err:
        load_facets(path)
    message = str(err.value)
    assert str(path) in message and "entry 1" in message and f"field '{field}" in message
    if field != "id":
        assert "id 'broken'" in message


def test_file_shape_threshold_and_duplicates(tmp_path):
    with pytest.raises(ConfigError, match="under 'facets'"):
        load_facets(write(tmp_path, [GOOD]))
    with pytest.raises(ConfigError, match="field 'threshold'"):
        load_facets(write(tmp_path, {"threshold": "high", "facets": [GOOD]}))
    user = write(tmp_path, {"facets": [GOOD]}, "user.yaml")
    with pytest.raises(ConfigError, match="duplicate id"):
        load_facets(write(tmp_path, {"facets": [GOOD]}), extra=user)
    library = load_facets(extra=user)  # shipped facets, then the user's
    assert library.facets[-1].id == "units" and library.threshold == load_facets().threshold


def test_readings_keep_the_requests_final_punctuation():
    facet = Facet.model_validate(GOOD)
    assert facet.render("How tall is it?") == [
        "How tall is it, in metres?",
        "How tall is it, in feet?",
    ]
    assert facet.render("Measure the room") == [
        "Measure the room, in metres",
        "Measure the room, in feet",
    ]


def test_matching_with_the_real_embedder(embedder):
    library = load_facets()
    facet, score = best_facet(LOGIN, library, embedder)
    assert facet.id == "code-scope" and score >= library.threshold
    assert match(HOT, library, embedder) == [CELSIUS, FAHRENHEIT]
    assert match(FACTUAL, library, embedder) == []
    assert match("Should euthanasia be legal?", library, embedder) == []


def temperatures(messages):
    """Interpret: the model answers instead of rewriting (as SmolLM2-135M does)."""
    if kind(messages) == "interpret":
        return ["It is about 25 degrees."]
    text = user_text(messages)
    if text == CELSIUS:
        return ["About 25 degrees Celsius on a summer afternoon."]
    if text == FAHRENHEIT:
        return ["Around 77 degrees Fahrenheit in July."]
    return ["Paris is the capital of France."]


def test_interpret_takes_the_facet_readings_instead_of_the_bare_request(embedder):
    rt = node_runtime(FakeBackend(temperatures), embedder)
    assert interpret({"request": HOT}, rt)["readings"] == [CELSIUS, FAHRENHEIT]
    # After a clarification round the reply already specified the request: no facet.
    assert interpret({"request": CELSIUS, "clarify_rounds": 1}, rt)["readings"] == [CELSIUS]
    # No facet matches: the request (plus surviving rewrites, none here) as before.
    assert interpret({"request": FACTUAL}, rt)["readings"] == [FACTUAL]
    # K=2 is filled by the facet: the model is not asked to rewrite at all.
    rt2 = node_runtime(FakeBackend(temperatures), embedder, readings=2)
    assert interpret({"request": HOT}, rt2)["readings"] == [CELSIUS, FAHRENHEIT]
    assert rt2.context.resources.backend.calls == []
    # A value-laden request (the contested judge's verdict, in the state) keeps the
    # perspectives path and its single reading.
    value = interpret({"request": "Should euthanasia be legal?", "value_laden": True}, rt)
    assert value["perspectives"] and value["readings"] == ["Should euthanasia be legal?"]


def test_facet_readings_whose_answers_differ_are_offered_in_a_clarify(tmp_path, embedder):
    judges = ScriptedJudges(lambda request: {"ambiguity": 0.9} if request == HOT else {})
    agent, backend = make_agent(tmp_path, embedder, temperatures, judges=judges)
    reply = agent.chat(HOT)
    assert reply.kind == "clarify" and "ambiguity" in reply.route_reason
    assert set(reply.options) == {CELSIUS, FAHRENHEIT}
    answered = agent.chat(str(reply.options.index(CELSIUS) + 1), thread_id=reply.thread_id)
    assert answered.kind == "answer" and "25 degrees Celsius" in answered.text


def test_facet_readings_with_the_same_answer_do_not_clarify(tmp_path, embedder):
    def same(messages):
        return (
            ["It is about 25 degrees."]
            if kind(messages) == "interpret"
            else ["About 25 degrees Celsius (77 Fahrenheit) in summer."]
        )

    agent, _ = make_agent(tmp_path, embedder, same)
    assert agent.chat(HOT).kind == "answer"

"""The real graph and SQLite checkpointer, driven into each move by a scripted FakeBackend."""

import json
from pathlib import Path

import pytest
import yaml

from agent.errors import ConfigError
from tests.agent.fakes import (
    AMBIGUOUS,
    EGG,
    FACTUAL,
    FLIGHT,
    STANCES,
    UNSURE,
    VALUE,
    ScriptedJudges,
    judged,
    kind,
    make_agent,
)


def test_agreeing_answers_are_answered_with_the_reason(tmp_path, embedder):
    agent, backend = make_agent(tmp_path, embedder)
    reply = agent.chat(FACTUAL)
    assert reply.kind == "answer"
    assert reply.text == "Paris is the capital of France."
    assert reply.confidence == 1.0
    assert reply.route_reason.startswith("all components below threshold (profile general)")
    assert reply.uncertainty.vector()["semantic_entropy"] == 0.0
    assert reply.clusters == reply.uncertainty.clusters
    assert len(backend.calls) == 2  # interpret (K rewrites) + all answers: one batch each
    data = json.loads(json.dumps(reply.to_dict()))
    assert data["uncertainty"]["ambiguity"]["value"] == 0.0
    assert data["thread_id"] == reply.thread_id and len(reply.thread_id) >= 20


def test_scattered_answers_hedge_with_i_dont_know(tmp_path, embedder):
    agent, _ = make_agent(tmp_path, embedder, samples=8)  # 4 per member: 4 meanings each
    reply = agent.chat(UNSURE)
    assert reply.kind == "hedge"
    assert "semantic_entropy" in reply.route_reason or "epistemic" in reply.route_reason
    assert reply.text.startswith("I don't know")  # no meaning holds a majority
    assert reply.confidence < 0.5


def test_hedge_gives_a_majority_best_guess_with_its_confidence(tmp_path, embedder):
    profile = yaml.safe_load(Path("prompts/contexts/general.yaml").read_text())
    profile.update(name="touchy", thresholds={**profile["thresholds"], "semantic_entropy": 0.3})
    path = tmp_path / "touchy.yaml"
    path.write_text(yaml.safe_dump(profile))

    def script(messages):
        if kind(messages) == "interpret":
            return [UNSURE]
        return ["His dog was called Fortuné."] * 3 + ["Napoleon preferred cats."]

    agent, _ = make_agent(tmp_path, embedder, script, context=str(path), samples=8)
    reply = agent.chat(UNSURE)
    assert reply.kind == "hedge"
    assert reply.context == "touchy"
    assert "(profile touchy)" in reply.route_reason
    assert (
        "My best guess (75% of my sampled answers agree): His dog was called Fortuné." in reply.text
    )


def test_value_laden_question_gets_perspectives_without_a_verdict(tmp_path, embedder):
    agent, backend = make_agent(tmp_path, embedder)
    reply = agent.chat(VALUE)
    assert reply.kind == "perspectives"
    threshold = agent.profile.thresholds["value_conflict"]  # general's, from the judges' card
    assert f"value_conflict 0.90 >= {threshold:.2f}" in reply.route_reason
    assert reply.value_laden and reply.uncertainty.value_conflict.estimator.startswith("scripted")
    assert len(reply.perspectives) == agent.config.perspectives == 4
    assert len({v.id for v in reply.perspectives}) == 4
    for view in reply.perspectives:
        assert view.position + (" " + view.reasoning if view.reasoning else "") in STANCES
        assert 0 < view.share <= 1
        assert view.name in reply.text
    assert reply.text.startswith("This question has no single right answer")
    assert reply.confidence is None
    assert len(backend.calls) == 1  # no interpret rewrites: perspectives, not readings


def test_ambiguous_request_clarifies_then_resumes_with_a_chosen_option(tmp_path, embedder):
    agent, _ = make_agent(tmp_path, embedder)
    reply = agent.chat(AMBIGUOUS)
    assert reply.kind == "clarify"
    assert "ambiguity" in reply.route_reason and "round 1 of 1" in reply.route_reason
    assert set(reply.options) >= {EGG, FLIGHT}
    assert "1. " in reply.text and EGG in reply.text
    pending = agent.pending(reply.thread_id)
    assert pending is not None and pending.options == reply.options
    choice = reply.options.index(EGG) + 1
    final = agent.resume(reply.thread_id, str(choice))
    assert final.kind == "answer" and final.text == "About twenty minutes in a covered pot."
    assert agent.pending(reply.thread_id) is None
    kinds = [m["kind"] for m in agent.history(reply.thread_id)]
    assert kinds == ["user", "clarify", "clarify_reply", "answer"]


def test_clarification_cap_answers_with_what_it_has(tmp_path, embedder):
    judges = ScriptedJudges(judged)
    agent, _ = make_agent(tmp_path, embedder, judges=judges)
    first = agent.chat(AMBIGUOUS)
    assert first.kind == "clarify"
    # chat() on a waiting thread is the clarify reply; free text keeps it ambiguous here.
    judges.rule = lambda request: {"ambiguity": 0.9}
    second = agent.chat("in general", first.thread_id)
    assert second.kind in ("answer", "hedge")
    assert "clarify cap is reached (1 of 1 rounds)" in second.route_reason
    assert agent.history(first.thread_id)[2]["content"] == "in general"


def test_the_judges_get_the_previous_turns_request_with_its_clarify_reply_folded_in(
    tmp_path, embedder
):
    from agent.templates import fold

    judges = ScriptedJudges(judged)
    agent, _ = make_agent(tmp_path, embedder, judges=judges)
    first = agent.chat(AMBIGUOUS)
    assert first.kind == "clarify"
    agent.chat("boiling an egg", first.thread_id)  # the free-text clarify reply
    agent.chat("and a duck egg?", first.thread_id)  # a new turn: a follow-up
    assert judges.requests == [AMBIGUOUS, fold(AMBIGUOUS, "boiling an egg"), "and a duck egg?"]
    assert judges.previous == [None, None, fold(AMBIGUOUS, "boiling an egg")]


def test_earlier_turns_are_in_the_prompts_of_the_next_turn(tmp_path, embedder):
    agent, backend = make_agent(tmp_path, embedder)
    first = agent.chat(FACTUAL)
    agent.chat("And what about Germany?", first.thread_id)
    answers_batch = backend.calls[-1]
    for conversation in answers_batch:
        contents = [m["content"] for m in conversation]
        assert contents[1:3] == [FACTUAL, "Paris is the capital of France."]
        assert contents[-1] == "And what about Germany?"
    assert len(agent.history(first.thread_id)) == 4


def test_stream_yields_one_event_per_node_and_the_reply_last(tmp_path, embedder):
    agent, _ = make_agent(tmp_path, embedder)
    events = list(agent.stream(FACTUAL))
    assert [e.node for e in events] == [
        "begin",
        "judge",
        "interpret",
        "sample",
        "estimate",
        "route",
        "answer",
    ]
    assert all(e.reply is None for e in events[:-1]) and events[-1].reply.kind == "answer"
    assert events[1].message.startswith("Judges: ambiguity 0.00")
    assert events[5].message.startswith("Move: answer")


def test_single_reading_config_skips_interpret_sampling(tmp_path, embedder):
    agent, backend = make_agent(tmp_path, embedder, readings=1, samples=2)
    reply = agent.chat(AMBIGUOUS)
    assert len(backend.calls) == 1
    assert reply.uncertainty.n_samples == 2  # two members, one sample each
    # one reading: no sampled ambiguity, but the judge still asks (an open question)
    assert reply.kind == "clarify" and reply.options == []


def test_update_config_applies_next_turn_and_rejects_bad_values(tmp_path, embedder):
    agent, _ = make_agent(tmp_path, embedder, readings=1)
    agent.update_config(samples=6)
    assert agent.chat(FACTUAL).uncertainty.n_samples == 6
    with pytest.raises(ConfigError, match="samples"):
        agent.update_config(samples=0)
    with pytest.raises(ConfigError, match="nowhere"):
        agent.update_config(context="nowhere")
    assert agent.config.samples == 6 and agent.profile.name == "general"

"""A scripted multi-turn dialogue on the real default model, through the public API."""

import pytest

from agent import Agent, AgentConfig
from agent.graph import MOVES


class Recorder:
    """Delegates to the real backend and keeps every conversation it was asked to answer
    (sampled or greedy: an adaptive turn may answer from the greedy probe alone)."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def sample_batch(self, conversations, params):
        self.calls.append(conversations)
        return self.inner.sample_batch(conversations, params)

    def greedy(self, messages, *args, **kwargs):
        self.calls.append([messages])
        return self.inner.greedy(messages, *args, **kwargs)

    def extend(self, messages, *args, **kwargs):  # the probe's complete greedy answer
        self.calls.append([messages])
        return self.inner.extend(messages, *args, **kwargs)


@pytest.mark.model
def test_scripted_dialogue_keeps_context_and_routes_each_turn(tmp_path, default_backend, embedder):
    backend = Recorder(default_backend)
    config = AgentConfig(db_path=tmp_path / "c.sqlite", data_dir=tmp_path, timeout_s=900)
    agent = Agent(config, backend=backend, embedder=embedder)

    first = agent.chat("What is the capital of France?")
    assert first.kind == "answer", first.route_reason
    assert "Paris" in first.text and first.confidence >= 0.5
    thread = first.thread_id

    second = agent.chat("How many people live there?", thread)
    assert second.kind in MOVES and second.route_reason
    for conversation in backend.calls[-1]:  # the answer batch saw the first exchange
        contents = [m["content"] for m in conversation]
        assert "What is the capital of France?" in contents and first.text in contents

    third = agent.chat("Should euthanasia be legal?", thread)
    assert third.kind in ("perspectives", "hedge"), third.route_reason  # never a verdict
    state = agent._graph.get_state({"configurable": {"thread_id": thread}}).values
    assert state["value_laden"] and len(state["perspectives"]) == config.perspectives

    history = agent.history(thread)
    assert [m["role"] for m in history] == ["user", "assistant"] * 3
    assert [m["kind"] for m in history[1::2]] == [first.kind, second.kind, third.kind]
    vector = third.uncertainty.vector()
    assert set(vector) == {"semantic_entropy", "epistemic", "ambiguity", "value_conflict"}
    assert all(v >= 0 for v in vector.values())


@pytest.mark.model
def test_a_follow_up_is_judged_in_its_thread(tmp_path, default_backend, embedder):
    """needs_clarification reads a follow-up alone and folded onto the previous request
    (agent.judges.in_thread) and takes the min: "and for silver?" after a question about
    gold is answered, not clarified; as a first message it needs clarifying more."""
    config = AgentConfig(db_path=tmp_path / "c.sqlite", data_dir=tmp_path, timeout_s=900)
    agent = Agent(config, backend=default_backend, embedder=embedder)

    gold = agent.chat("What is the atomic number of gold?")
    assert gold.kind != "clarify", gold.route_reason
    follow = agent.chat("and for silver?", gold.thread_id)
    assert follow.kind != "clarify", follow.route_reason
    judged = follow.uncertainty.ambiguity.evidence["judge"]
    assert judged["in_thread"] < judged["alone"]
    assert follow.uncertainty.ambiguity.value == pytest.approx(judged["in_thread"])

    alone = agent.chat("and for silver?")  # a new thread: nothing to fold onto
    assert "in_thread" not in alone.uncertainty.ambiguity.evidence["judge"]
    assert alone.uncertainty.ambiguity.value == pytest.approx(judged["alone"])
    assert alone.uncertainty.ambiguity.value > follow.uncertainty.ambiguity.value

"""Adaptive turns: a confident greedy probe answers alone; otherwise the turn samples."""

from agent import Agent, AgentConfig, AnswerText
from agent.llm.fake import FakeBackend
from tests.agent.fakes import FACTUAL, VALUE, script


def adaptive_agent(tmp_path, embedder, logprob=-0.1, **fake):
    backend = FakeBackend(script, logprob=logprob, **fake)
    cfg = AgentConfig(db_path=tmp_path / "c.sqlite", data_dir=tmp_path, adaptive=True)
    return Agent(cfg, backend=backend, embedder=embedder), backend


def test_a_confident_clear_answer_needs_no_samples(tmp_path, embedder):
    agent, backend = adaptive_agent(tmp_path, embedder)
    events = list(agent.stream(FACTUAL))
    reply = events[-1].reply
    assert reply.kind == "answer" and reply.text == "Paris is the capital of France."
    assert reply.route_reason.startswith("probe: confident greedy answer")
    assert backend.calls == []  # nothing sampled: the one greedy answer was all
    nodes = [e.node for e in events if not isinstance(e, AnswerText)]
    assert nodes == ["begin", "judge", "probe", "direct"]
    assert any(isinstance(e, AnswerText) for e in events)  # the probe's answer streamed
    assert reply.written == [{"text": reply.text, "finish_reason": "stop"}]


def test_an_unsure_greedy_answer_is_sampled_and_routed_as_in_full_mode(tmp_path, embedder):
    agent, backend = adaptive_agent(tmp_path, embedder, logprob=-2.0)
    reply = agent.chat(FACTUAL)
    assert backend.calls  # sampled
    full = Agent(
        AgentConfig(db_path=tmp_path / "f.sqlite", data_dir=tmp_path, adaptive=False),
        backend=FakeBackend(script, logprob=-2.0),
        embedder=embedder,
    ).chat(FACTUAL)
    assert (reply.kind, reply.text) == (full.kind, full.text)


def test_a_value_laden_question_is_always_sampled(tmp_path, embedder):
    agent, backend = adaptive_agent(tmp_path, embedder)
    reply = agent.chat(VALUE)
    assert reply.kind == "perspectives" and backend.calls


def test_a_shown_sample_that_means_the_greedy_answer_shows_the_greedy_text(tmp_path, embedder):
    agent, backend = adaptive_agent(tmp_path, embedder, logprob=-2.0, budget_words=3)
    reply = agent.chat(FACTUAL)
    assert reply.text == "Paris is the capital of France."
    assert backend.extended == [""]  # only the probe wrote; no sample was continued

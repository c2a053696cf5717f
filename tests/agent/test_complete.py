"""Complete answers: the shown text is continued past the sampling budget and streamed."""

from agent import Agent, AgentConfig, AnswerText
from agent.llm.fake import FakeBackend
from tests.agent.fakes import FACTUAL, STANCES, VALUE, script


def cut_agent(tmp_path, embedder, **config):
    backend = FakeBackend(script, budget_words=3)  # every sample is cut after 3 words
    config.setdefault("adaptive", False)
    cfg = AgentConfig(db_path=tmp_path / "clarion.sqlite", data_dir=tmp_path, **config)
    return Agent(cfg, backend=backend, embedder=embedder), backend


def test_a_cut_answer_is_finished_and_streamed(tmp_path, embedder):
    agent, backend = cut_agent(tmp_path, embedder)
    events = list(agent.stream(FACTUAL))
    reply = events[-1].reply
    assert reply.kind == "answer"
    assert reply.text == "Paris is the capital of France."  # not "Paris is the"
    assert backend.extended == ["Paris is the"]
    streamed = [e.text for e in events if isinstance(e, AnswerText)]
    assert streamed and streamed[-1] == reply.text
    assert agent.history(reply.thread_id)[-1]["content"] == reply.text


def test_each_perspective_is_finished(tmp_path, embedder):
    agent, backend = cut_agent(tmp_path, embedder)
    reply = agent.chat(VALUE)
    assert reply.kind == "perspectives"
    for view in reply.perspectives:
        whole = f"{view.position} {view.reasoning}".strip()
        assert whole in STANCES  # the whole stance, not its first three words
    assert len(backend.extended) == len(reply.perspectives)


def test_complete_samples_are_not_continued(tmp_path, embedder):
    backend = FakeBackend(script)  # no budget: every sample ended by itself
    cfg = AgentConfig(db_path=tmp_path / "c.sqlite", data_dir=tmp_path, adaptive=False)
    reply = Agent(cfg, backend=backend, embedder=embedder).chat(FACTUAL)
    assert reply.text == "Paris is the capital of France." and backend.extended == []

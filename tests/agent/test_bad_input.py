"""Bad input and failures give a plain ClarionError and leave the conversation intact."""

import pytest

from agent.errors import ClarionError, GenerationError, InvalidInputError, ThreadError
from agent.llm.base import Sample
from tests.agent.fakes import AMBIGUOUS, FACTUAL, kind, make_agent, script

BAD_MESSAGES = {
    "empty": ("", "empty"),
    "blank": ("  \n\t ", "empty"),
    "huge": ("x" * 100_000, "too long"),
    "surrogate": ("caf\udce9 au lait", "invalid Unicode"),
    "control": ("hello\x00world", "control character"),
}


@pytest.fixture
def agent_with_thread(tmp_path, embedder):
    agent, backend = make_agent(tmp_path, embedder)
    thread = agent.chat(FACTUAL).thread_id
    return agent, backend, thread


@pytest.mark.parametrize("name", list(BAD_MESSAGES))
def test_bad_messages_are_rejected_before_the_graph(agent_with_thread, name):
    agent, backend, thread = agent_with_thread
    message, reason = BAD_MESSAGES[name]
    before, calls = agent.history(thread), len(backend.calls)
    with pytest.raises(InvalidInputError, match=reason):
        agent.chat(message, thread)
    with pytest.raises(InvalidInputError, match=reason):
        agent.chat(message)
    assert agent.history(thread) == before
    assert len(backend.calls) == calls


def test_resume_on_an_unknown_thread(agent_with_thread):
    agent, _, _ = agent_with_thread
    unknown = agent.new_thread_id()
    with pytest.raises(ThreadError, match="no conversation with id"):
        agent.resume(unknown, "1")
    assert agent.history(unknown) == []
    with pytest.raises(ThreadError, match="not a valid conversation id"):
        agent.resume("../../etc/passwd", "1")


def test_resume_when_nothing_is_pending(agent_with_thread):
    agent, _, thread = agent_with_thread
    before = agent.history(thread)
    with pytest.raises(ThreadError, match="not waiting for an answer"):
        agent.resume(thread, "1")
    assert agent.history(thread) == before and agent.pending(thread) is None


def test_bad_reply_to_a_clarify_keeps_it_pending(tmp_path, embedder):
    agent, _ = make_agent(tmp_path, embedder)
    asked = agent.chat(AMBIGUOUS)
    with pytest.raises(InvalidInputError):
        agent.resume(asked.thread_id, "")
    assert agent.pending(asked.thread_id).options == asked.options


class FlakyBackend:
    """Fails the next answer batch once armed (like a generation error), then behaves."""

    def __init__(self, inner):
        self.inner, self.fail = inner, False
        self.name, self.context_window, self.calls = "flaky", 100_000, inner.calls

    def sample_batch(self, conversations, params) -> list[list[Sample]]:
        if self.fail and kind(conversations[0]) != "interpret":
            self.fail = False
            raise GenerationError("The model failed while generating: out of memory")
        return self.inner.sample_batch(conversations, params)


def test_failure_inside_a_node_is_a_clarion_error_and_history_survives(tmp_path, embedder):
    from agent.llm.fake import FakeBackend

    flaky = FlakyBackend(FakeBackend(script))
    agent, _ = make_agent(tmp_path, embedder, backend=flaky)
    thread = agent.chat(FACTUAL).thread_id
    before = agent.history(thread)
    flaky.fail = True  # the next answer batch fails ...
    with pytest.raises(ClarionError, match="out of memory"):
        agent.chat("And Germany?", thread)
    assert agent.history(thread) == before
    assert agent.pending(thread) is None
    again = agent.chat("And Germany?", thread)  # ... and the thread goes on
    assert again.kind == "answer"
    assert [m["content"] for m in agent.history(thread)][-2:] == [
        "And Germany?",
        "Paris is the capital of France.",
    ]


def test_turn_timeout_is_a_generation_error(tmp_path, embedder):
    agent, _ = make_agent(tmp_path, embedder, timeout_s=1e-6)
    with pytest.raises(GenerationError, match="longer than"):
        agent.chat(FACTUAL)


def test_failure_while_answering_a_clarify_keeps_it_pending(tmp_path, embedder):
    from agent.llm.fake import FakeBackend

    flaky = FlakyBackend(FakeBackend(script))
    agent, _ = make_agent(tmp_path, embedder, backend=flaky)
    asked = agent.chat(AMBIGUOUS)
    before = agent.history(asked.thread_id)
    flaky.fail = True
    with pytest.raises(ClarionError, match="out of memory"):
        agent.resume(asked.thread_id, "1")
    assert agent.history(asked.thread_id) == before
    assert agent.pending(asked.thread_id).options == asked.options
    final = agent.resume(asked.thread_id, "1")
    assert final.kind == "answer"
    assert [m["kind"] for m in agent.history(asked.thread_id)] == [
        "user",
        "clarify",
        "clarify_reply",
        "answer",
    ]

"""Threads live in the SQLite file: a new Agent (a restarted process) picks them up."""

import re

from agent import Agent, AgentConfig
from agent.llm.fake import FakeBackend
from tests.agent.fakes import AMBIGUOUS, EGG, make_agent, script


def test_new_agent_on_the_same_db_resumes_a_pending_clarify(tmp_path, embedder):
    first, _ = make_agent(tmp_path, embedder)
    asked = first.chat(AMBIGUOUS)
    assert asked.kind == "clarify"
    first.close()

    config = AgentConfig(db_path=tmp_path / "clarion.sqlite", data_dir=tmp_path, adaptive=False)
    second = Agent(config, backend=FakeBackend(script), embedder=embedder)
    pending = second.pending(asked.thread_id)
    assert pending is not None
    assert pending.kind == "clarify" and pending.options == asked.options
    assert pending.uncertainty.vector() == asked.uncertainty.vector()
    final = second.resume(asked.thread_id, EGG)  # the option's text works as well as its number
    assert final.kind == "answer" and "twenty minutes" in final.text
    assert [m["kind"] for m in second.history(asked.thread_id)] == [
        "user",
        "clarify",
        "clarify_reply",
        "answer",
    ]


def test_default_db_goes_under_the_data_dir_and_thread_ids_are_random(tmp_path, embedder):
    config = AgentConfig(data_dir=tmp_path / "nested" / "data")
    agent = Agent(config, backend=FakeBackend(script), embedder=embedder)
    assert (tmp_path / "nested" / "data" / "clarion.sqlite").is_file()
    ids = {agent.new_thread_id() for _ in range(500)}
    assert len(ids) == 500
    # Hex: never a leading '-', which `--thread ID` would read as an option.
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)

"""The typed state round-trips through the SQLite checkpointer, and a checkpoint written by
the untyped state of Clarion at commit 98ee6c2 (report/route/reply as plain dicts) still
loads: its pending clarifying question is shown and answered."""

from __future__ import annotations

import operator
import sqlite3
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.graph import START, StateGraph
from langgraph.types import interrupt

from agent.db import Database
from agent.errors import ThreadError
from agent.llm.base import Sample
from agent.policy import Route, Trigger
from agent.reply import PerspectiveView, Reply
from agent.state import Probe, SampledAnswer, as_reply, checkpoint_types
from agent.store import close_checkpointer, open_checkpointer
from tests.agent.fakes import AMBIGUOUS, EGG, FACTUAL, FLIGHT, make_agent
from tests.builders import cluster, report
from uncertainty import Cluster, Component, LabeledAnswer, UncertaintyReport
from uncertainty.judged import JudgeEstimate


def raw_values(db, thread_id: str) -> dict[str, Any]:
    """The channel values of the thread's latest checkpoint, read by a fresh saver."""
    saver = open_checkpointer(Database(db))
    try:
        stored = saver.get_tuple({"configurable": {"thread_id": thread_id}})
        assert stored is not None
        return stored.checkpoint["channel_values"]
    finally:
        close_checkpointer(saver)


def test_the_allow_list_holds_every_class_of_the_state():
    assert checkpoint_types() == {
        UncertaintyReport,
        Component,
        Cluster,
        Route,
        Trigger,
        Reply,
        PerspectiveView,
        SampledAnswer,
        JudgeEstimate,
        Probe,
        Sample,  # the judges' greedy answer (judge_greedy)
    }


def test_a_new_checkpoint_round_trips_as_the_real_objects(tmp_path, embedder):
    agent, _ = make_agent(tmp_path, embedder)
    reply = agent.chat(FACTUAL)
    values = raw_values(tmp_path / "clarion.sqlite", reply.thread_id)
    assert isinstance(values["report"], UncertaintyReport)
    assert values["report"] == reply.uncertainty
    assert isinstance(values["route"], Route) and values["route"].move == "answer"
    assert isinstance(values["reply"], Reply)
    assert values["reply"].text == reply.text and values["reply"].clusters == reply.clusters
    assert all(isinstance(a, LabeledAnswer) for a in values["answers"])
    assert all(isinstance(j, JudgeEstimate) for j in values["judgments"])
    agent.close()


def test_a_pending_clarify_resumes_in_a_new_agent_on_the_same_file(tmp_path, embedder):
    first, _ = make_agent(tmp_path, embedder)
    asked = first.chat(AMBIGUOUS)
    assert asked.kind == "clarify"
    first.close()
    second, _ = make_agent(tmp_path, embedder)
    pending = second.pending(asked.thread_id)
    assert pending is not None and pending.options == asked.options
    assert pending.uncertainty == asked.uncertainty
    route = raw_values(tmp_path / "clarion.sqlite", asked.thread_id)["route"]
    assert route.triggers["ambiguity"].threshold == second.profile.thresholds["ambiguity"]
    final = second.resume(asked.thread_id, "1")
    assert final.kind == "answer"
    second.close()


# -- a checkpoint in the format of commit 98ee6c2 ----------------------------------------


class OldState(TypedDict, total=False):
    """The state of 98ee6c2 (agent/state.py): report, route and reply as plain dicts."""

    history: Annotated[list[dict], operator.add]
    message: str
    turn_start: int
    turn_log: list[dict]
    request: str
    readings: list[str]
    value_laden: bool
    value_score: float
    perspectives: list[str]
    answers: list[dict]
    report: dict[str, Any]
    route: dict[str, Any]
    clarify_rounds: int
    reply: dict[str, Any]


def old_report() -> dict[str, Any]:
    clusters = [cluster(0, 0.5, ["About twenty minutes."]), cluster(1, 0.5, ["Fourteen hours."])]
    return report({"ambiguity": 0.69}, [EGG, FLIGHT], clusters).to_dict()


def old_begin(state: OldState) -> OldState:
    message = state["message"]
    return {
        "turn_start": len(state.get("history") or []),
        "turn_log": [{"role": "user", "content": message, "kind": "user"}],
        "request": message,
        "clarify_rounds": 0,
        "readings": [AMBIGUOUS, EGG, FLIGHT],
        "perspectives": [],
        "value_laden": False,
        "value_score": 0.1,
        "answers": [
            {
                "text": t,
                "logprob": -0.5,
                "member": "default",
                "reading": r,
                "perspective": "default",
            }
            for r, t in ((EGG, "About twenty minutes."), (FLIGHT, "Fourteen hours."))
        ],
        "report": {},
        "route": {},
        "reply": {},
    }


def old_clarify(state: OldState) -> OldState:
    text = f"Did you mean:\n1. {EGG}\n2. {FLIGHT}"
    reply = {  # agent/nodes/respond.py:_reply at 98ee6c2
        "kind": "clarify",
        "text": text,
        "route_reason": "ambiguity 0.69 >= 0.30 (profile general)",
        "uncertainty": old_report(),
        "options": [EGG, FLIGHT],
        "perspectives": [],
        "confidence": None,
        "context": "general",
    }
    entry = {"role": "assistant", "content": text, "kind": "clarify"}
    return {
        "report": old_report(),
        "route": {
            "move": "clarify",
            "reason": reply["route_reason"],
            "triggers": {"ambiguity": [0.69, 0.3]},
        },
        "reply": reply,
        "history": [*state.get("turn_log", []), entry],
        "turn_log": [],
    }


def old_await_reply(state: OldState) -> OldState:
    interrupt({"question": state["reply"]["text"], "options": state["reply"]["options"]})
    raise AssertionError("the old graph never resumes here")


def write_old_thread(db, thread_id: str) -> None:
    """Run the old state shape up to its interrupt, with 98ee6c2's saver (default serde)."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    g = StateGraph(OldState)
    g.add_node("begin", old_begin)
    g.add_node("clarify", old_clarify)
    g.add_node("await_reply", old_await_reply)
    g.add_edge(START, "begin")
    g.add_edge("begin", "clarify")
    g.add_edge("clarify", "await_reply")
    conn = sqlite3.connect(str(db), check_same_thread=False)
    saver = SqliteSaver(conn)
    saver.setup()
    config = {"configurable": {"thread_id": thread_id}}
    list(g.compile(checkpointer=saver).stream({"message": AMBIGUOUS}, config))
    conn.close()


def test_an_old_format_checkpoint_still_loads_and_resumes(tmp_path, embedder):
    db = tmp_path / "clarion.sqlite"
    write_old_thread(db, "old-thread")
    assert isinstance(raw_values(db, "old-thread")["reply"], dict)  # really the old format
    agent, _ = make_agent(tmp_path, embedder)
    pending = agent.pending("old-thread")
    assert pending is not None and pending.kind == "clarify"
    assert pending.options == [EGG, FLIGHT] and pending.thread_id == "old-thread"
    assert pending.uncertainty.vector()["ambiguity"] == pytest.approx(0.69)
    final = agent.resume("old-thread", "2")
    assert final.kind == "answer" and final.text == "Roughly fourteen hours by plane."
    assert [m["kind"] for m in agent.history("old-thread")] == [
        "user",
        "clarify",
        "clarify_reply",
        "answer",
    ]
    values = raw_values(db, "old-thread")
    assert isinstance(values["reply"], Reply) and isinstance(values["report"], UncertaintyReport)
    agent.close()


def test_an_unreadable_old_reply_fails_with_a_clear_message():
    assert as_reply({}) is None and as_reply(None) is None
    with pytest.raises(ThreadError, match="older Clarion"):
        as_reply({"text": "no kind"})
    with pytest.raises(ThreadError, match="not a reply"):
        as_reply(["a", "list"])

"""The LangGraph state machine of one turn.

    begin -> interpret -> sample -> estimate -> route -> answer | hedge | perspectives
                ^                                     \\-> clarify -> await_reply --'

`await_reply` calls `interrupt`, so a thread waiting on a clarifying question is a
checkpoint; `Command(resume=reply)` continues it (in this or another process).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from langgraph.graph import END, START, StateGraph

from agent.nodes.estimate import estimate
from agent.nodes.interpret import interpret
from agent.nodes.respond import (
    answer,
    await_reply,
    clarify,
    hedge,
    next_move,
    perspectives,
    route_node,
)
from agent.nodes.sample import sample
from agent.runtime import Runtime
from agent.state import TurnState

MOVES = ("answer", "hedge", "perspectives", "clarify")


def begin(state: dict) -> dict:
    """Start a turn: the new message becomes the request; per-turn fields reset."""
    message = state["message"]
    return {
        "turn_start": len(state.get("history") or []),
        "turn_log": [{"role": "user", "content": message, "kind": "user"}],
        "request": message,
        "clarify_rounds": 0,
        "readings": [],
        "perspectives": [],
        "value_laden": False,
        "value_score": 0.0,
        "answers": [],
        "report": {},
        "route": {},
        "reply": {},
    }


def _bind(node: Callable, rt: Runtime, name: str) -> Callable[[dict], dict]:
    @functools.wraps(node)
    def run(state: dict) -> dict:
        rt.check_deadline(name)
        return node(state, rt)

    return run


def build_graph(runtime: Runtime, checkpointer=None):
    """The compiled graph; nodes reach heavy resources through `runtime`."""
    g = StateGraph(TurnState)
    g.add_node("begin", begin)
    steps = {
        "interpret": interpret,
        "sample": sample,
        "estimate": estimate,
        "route": route_node,
        "answer": answer,
        "hedge": hedge,
        "perspectives": perspectives,
        "clarify": clarify,
        "await_reply": await_reply,
    }
    for name, fn in steps.items():
        g.add_node(name, _bind(fn, runtime, name))
    g.add_edge(START, "begin")
    g.add_edge("begin", "interpret")
    g.add_edge("interpret", "sample")
    g.add_edge("sample", "estimate")
    g.add_edge("estimate", "route")
    g.add_conditional_edges("route", next_move, {m: m for m in MOVES})
    for move in ("answer", "hedge", "perspectives"):
        g.add_edge(move, END)
    g.add_edge("clarify", "await_reply")
    g.add_edge("await_reply", "interpret")
    return g.compile(checkpointer=checkpointer)


@functools.lru_cache(maxsize=1)
def _default_runtime() -> Runtime:
    from agent.config import AgentConfig

    return Runtime(AgentConfig.from_env())


def graph(config: dict | None = None):
    """Graph factory for langgraph.json (`langgraph dev` / Studio): the settings of
    $CLARION_CONFIG (else the defaults), resources loaded on first use; the server
    supplies its own checkpointer.
    Input: {"message": "..."}; a clarify waits as an interrupt, resume with its reply."""
    return build_graph(_default_runtime())

"""The LangGraph state machine of one turn.

    begin -> judge -> [probe -> direct]             (adaptive: answer or hedge, greedy)
                   -> interpret -> sample -> estimate -> route -> answer | hedge | perspectives
               ^                                               \\-> clarify -> await_reply --'

Nodes are `def node(state: State, runtime: Runtime[Context]) -> State`: the typed state
and LangGraph's run-time context (agent.context), passed per run with
`graph.stream(..., context=Context(...))`. `await_reply` calls `interrupt`, so a thread
waiting on a clarifying question is a checkpoint; `Command(resume=reply)` continues it
(in this or another process).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypedDict, TypeVar

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.context import Context, studio_context
from agent.nodes.estimate import estimate
from agent.nodes.interpret import interpret
from agent.nodes.judge import judge
from agent.nodes.probe import after_begin, after_probe, direct, probe
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
from agent.policy import MOVES
from agent.state import State


class Input(TypedDict):
    """What a run takes: only the message (Studio cannot write history or a reply)."""

    message: str


Node = Callable[[State, Runtime[Context]], State]
Graph = CompiledStateGraph[State, Context, Input, State]
R = TypeVar("R")


def begin(state: State) -> State:
    """Start a turn: the new message becomes the request; per-turn fields reset, the
    previous turn's request (its clarify reply folded in) kept as `previous_request`
    (the judges read a follow-up in its thread). The message is validated here too:
    `langgraph dev` (Studio) calls the graph directly."""
    from agent.inputs import validate_message

    message = validate_message(state.get("message"))
    return {
        "turn_start": len(state.get("history") or []),
        "previous_request": (state.get("request") or "") if state.get("history") else "",
        "turn_log": [{"role": "user", "content": message, "kind": "user"}],
        "request": message,
        "clarify_rounds": 0,
        "readings": [],
        "perspectives": [],
        "judgments": [],
        "judge_greedy": None,
        "value_laden": False,
        "value_score": 0.0,
        "answers": [],
        "stopping": None,
        "report": None,
        "route": None,
        "probe": None,
        "reply": None,
    }


_STUDIO_LOCK = threading.Lock()  # runs without an Agent (Studio) share its resources


def _timed(name: str, node: Node) -> Node:
    """`node`, refusing to start once the turn's deadline has passed. A run without a
    context (`langgraph dev`) gets the default resources, a deadline of timeout_s for
    the step, and one step at a time across runs (the Agent's turn lock does that for
    its own turns)."""

    def run(state: State, runtime: Runtime[Context]) -> State:
        if runtime.context is not None:
            runtime.context.check_deadline(name)
            return node(state, runtime)
        with _STUDIO_LOCK:
            runtime = runtime.override(context=studio_context())
            return node(state, runtime)

    run.__name__ = run.__qualname__ = node.__name__
    return run


def build_graph(checkpointer: BaseCheckpointSaver[str] | None = None) -> Graph:
    """The compiled graph; heavy resources come with each run's Context."""
    g = StateGraph(State, context_schema=Context, input_schema=Input)
    g.add_node("begin", begin)
    steps: dict[str, Node] = {
        "judge": judge,
        "probe": probe,
        "direct": direct,
        "interpret": interpret,
        "sample": sample,
        "estimate": estimate,
        "route": route_node,
        "answer": answer,
        "hedge": hedge,
        "perspectives": perspectives,
        "clarify": clarify,
    }
    for name, fn in steps.items():
        g.add_node(name, _timed(name, fn))  # type: ignore[arg-type]
    g.add_node("await_reply", await_reply)
    g.add_edge(START, "begin")
    g.add_edge("begin", "judge")
    g.add_conditional_edges("judge", after_begin, ["probe", "interpret"])
    g.add_conditional_edges("probe", after_probe, ["direct", "interpret"])
    g.add_edge("direct", END)
    g.add_edge("interpret", "sample")
    g.add_edge("sample", "estimate")
    g.add_edge("estimate", "route")
    g.add_conditional_edges("route", next_move, list(MOVES))
    for move in ("answer", "hedge", "perspectives"):
        g.add_edge(move, END)
    g.add_edge("clarify", "await_reply")
    g.add_edge("await_reply", "judge")
    return _refusing_empty_resume(g.compile(checkpointer=checkpointer))


def _refusing_empty_resume(graph: Graph) -> Graph:
    """A resume that is not text never reaches LangGraph: `Command(resume=None)` crashes
    inside LangGraph 1.2 (UnboundLocalError in pregel/_loop.py), an integer past 64 bits
    fails its serializer, an empty mapping silently does nothing. The reply to a
    clarifying question is text; anything else is refused with a plain error."""

    def guard(method: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(method)
        def run(graph_input: object, *args: object, **kwargs: object) -> R:
            _check_resume(graph_input)
            return method(graph_input, *args, **kwargs)

        return run

    # Instance attributes shadow the methods; invoke calls stream, the API server astream.
    graph.stream = guard(graph.stream)  # type: ignore[method-assign]
    graph.astream = guard(graph.astream)  # type: ignore[method-assign]
    return graph


def _check_resume(graph_input: object) -> None:
    from agent.errors import InvalidInputError

    if not isinstance(graph_input, Command) or graph_input.update is not None:
        return
    if not graph_input.goto and not isinstance(graph_input.resume, str):
        raise InvalidInputError("Resuming needs the reply to the clarifying question, as text.")


def graph(config: dict[str, Any] | None = None) -> Graph:
    """Graph factory for langgraph.json (`langgraph dev` / Studio): the settings of
    $CLARION_CONFIG (else the defaults), resources loaded on first use; the server
    supplies its own checkpointer.
    Input: {"message": "..."}; a clarify waits as an interrupt, resume with its reply."""
    return build_graph()

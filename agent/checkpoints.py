"""A conversation's checkpoints read back: its head, whether it waits, its state at rest.

A process killed mid-turn leaves a thread whose newest checkpoint is mid-run; such a
thread is read at its last checkpoint at rest (the last reply, or the clarifying
question it waits on), so no completed turn and no waiting question is lost (agent.api).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.types import StateSnapshot

    from agent.graph import Graph


def head(graph: Graph, thread_id: str) -> StateSnapshot:
    """The thread's newest checkpoint."""
    return graph.get_state({"configurable": {"thread_id": thread_id}})


def head_config(graph: Graph, config: RunnableConfig) -> RunnableConfig:
    """The head checkpoint's config of the thread `config` names."""
    return head(graph, config["configurable"]["thread_id"]).config


def waiting(state: StateSnapshot) -> bool:
    """Whether the thread waits on the answer to a clarifying question."""
    return "await_reply" in (state.next or ())


def at_rest(state: StateSnapshot) -> bool:
    """Whether no turn is under way at this checkpoint (done, or waiting on a reply)."""
    return not state.next or waiting(state)


def rest_state(graph: Graph, thread_id: str) -> StateSnapshot:
    """The thread's newest checkpoint at rest: the head, unless a process died
    mid-turn, then the last one before that turn began (its reply or its question)."""
    newest = head(graph, thread_id)
    if at_rest(newest):
        return newest
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    for state in graph.get_state_history(config, limit=200):
        if at_rest(state) and state.values:
            return state
    return newest._replace(values={}, next=(), tasks=(), interrupts=())  # a first turn cut off

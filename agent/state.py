"""The state of one conversation thread, as the checkpointer stores it.

Everything here is plain JSON-able data (lists, dicts, str, float): the SQLite
checkpointer serialises it, and a thread must resume in a new process without any
live object. Per-turn fields are reset by the `begin` node; `history` accumulates.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, NotRequired, TypedDict


class HistoryEntry(TypedDict, total=False):
    role: str  # "user" | "assistant"
    content: str
    kind: str  # "user" | "clarify_reply" | "answer" | "hedge" | "clarify" | "perspectives"


class AnswerRecord(TypedDict):
    """One sampled answer with the labels the estimator needs (see uncertainty.LabeledAnswer)."""

    text: str
    logprob: float | None
    member: str
    reading: str
    perspective: str
    conversation: NotRequired[int]  # index into build_conversations(state, runtime)
    tokens: NotRequired[list[int]]  # its token ids, to continue it (agent.nodes.complete)
    complete: NotRequired[bool]  # False: cut by the sampling budget or a stop string


class RouteRecord(TypedDict):
    move: str
    reason: str
    triggers: dict[str, list[float]]  # component -> [value, threshold]


class TurnState(TypedDict, total=False):
    # Conversation (accumulates across turns; nodes append through the reducer).
    history: Annotated[list[HistoryEntry], operator.add]
    # Input of a turn: the user's new message (read by `begin` only).
    message: str
    # Per turn.
    turn_start: int  # len(history) when the turn began: earlier entries are context
    turn_log: list[HistoryEntry]  # this turn's messages, flushed into history by a reply
    request: str  # the user's request, with clarifications folded in
    readings: list[str]  # readings[0] is the request itself
    value_laden: bool
    value_score: float
    perspectives: list[str]  # perspective ids voiced (value-laden questions only)
    answers: list[AnswerRecord]
    report: dict[str, Any]  # UncertaintyReport.to_dict()
    route: RouteRecord
    clarify_rounds: int
    reply: dict[str, Any]  # Reply.to_dict() of the turn's last reply

"""The state of one conversation thread, as the checkpointer stores it.

The report, the route and the reply travel as the real `UncertaintyReport`, `Route` and
`Reply` objects (dataclasses); the checkpointer serialises them once, with LangGraph's
own serializer, restricted to the types listed by `checkpoint_types()` (see
agent/store.py). Per-turn fields are reset by the `begin` node; `history` accumulates.

Checkpoints written before the state was typed (Clarion at commit 98ee6c2) hold plain
dicts there; `as_reply` reads those too, so a thread waiting on a clarifying question
then still resumes.
"""

from __future__ import annotations

import dataclasses
import operator
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict

from agent.errors import ThreadError
from agent.llm.base import FinishReason, Sample
from agent.policy import Move, Route
from agent.reply import Reply
from uncertainty import LabeledAnswer, UncertaintyReport
from uncertainty.judged import JudgeEstimate

Role = Literal["user", "assistant"]
EntryKind = Literal["user", "clarify_reply"] | Move  # who wrote it: the user, or a move


class HistoryEntry(TypedDict):
    role: Role
    content: str
    kind: EntryKind


@dataclass(frozen=True)
class SampledAnswer(LabeledAnswer):
    """A sampled answer with what it takes to finish it if it is shown (agent.nodes.complete)."""

    conversation: int = 0  # index into build_conversations(state, ctx)
    tokens: tuple[int, ...] = ()  # its token ids, to continue it
    complete: bool = True  # False: cut by the sampling budget or a stop string


@dataclass(frozen=True)
class Probe:
    """What an adaptive turn decided before sampling (agent.nodes.probe): the move the
    judges lead to and, when it is "answer", the complete greedy answer."""

    text: str
    mean_logprob: float
    finish_reason: FinishReason
    sample: bool  # True: the turn goes on to sample
    reason: str
    move: Move | None = None  # the policy's move on the judges' estimates
    tokens: int = 0  # tokens of the greedy answer


class State(TypedDict, total=False):
    # Conversation (accumulates across turns; nodes append through the reducer).
    history: Annotated[list[HistoryEntry], operator.add]
    # Input of a turn: the user's new message (read by `begin` only).
    message: str
    # Per turn.
    turn_start: int  # len(history) when the turn began: earlier entries are context
    turn_log: list[HistoryEntry]  # this turn's messages, flushed into history by a reply
    request: str  # the user's request, with clarifications folded in
    previous_request: str  # the previous turn's `request` ("" on a thread's first turn)
    readings: list[str]  # readings[0] is the request itself
    judgments: list[JudgeEstimate]  # the learned judges' estimates (agent.nodes.judge)
    judge_greedy: Sample | None  # the greedy answer the judges read (judge_conversation)
    value_laden: bool  # P(contested) >= the profile's value_conflict threshold
    value_score: float  # P(contested)
    perspectives: list[str]  # perspective ids voiced (value-laden questions only)
    answers: list[SampledAnswer]
    stopping: dict[str, Any] | None  # how many samples were drawn and why (agent.nodes.sample)
    report: UncertaintyReport | None
    route: Route | None
    clarify_rounds: int
    probe: Probe | None
    reply: Reply | None  # the turn's last reply (thread_id and seconds are the Agent's)


def as_reply(value: object) -> Reply | None:
    """The stored reply: a Reply, or the dict an older Clarion stored (Reply.to_dict())."""
    if value is None or isinstance(value, Reply):
        return value
    if isinstance(value, dict):
        if not value:
            return None
        try:
            return Reply.from_dict(value)
        except (KeyError, TypeError, ValueError) as exc:
            raise ThreadError(
                "This conversation was saved by an older Clarion in a form this version "
                f"cannot read ({type(exc).__name__}: {exc}); start a new conversation."
            ) from exc
    raise ThreadError(
        f"This conversation's stored reply is a {type(value).__name__}, not a reply; "
        "start a new conversation."
    )


def checkpoint_types() -> set[type]:
    """Every class a checkpoint of `State` can hold (the serializer's allow-list)."""
    found: set[type] = set()

    def visit(tp: Any) -> None:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            visit(typing.get_args(tp)[0])
        elif origin is not None or isinstance(tp, types.UnionType):
            for arg in typing.get_args(tp):
                visit(arg)
        elif isinstance(tp, type) and dataclasses.is_dataclass(tp) and tp not in found:
            found.add(tp)
            for name, hint in typing.get_type_hints(tp).items():
                if name in {f.name for f in dataclasses.fields(tp)}:
                    visit(hint)
        elif isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields"):
            found.add(tp)  # a NamedTuple (Route's triggers)

    for hint in typing.get_type_hints(State, include_extras=True).values():
        visit(hint)
    return found

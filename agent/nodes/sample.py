"""sample: every cell's answers in ONE batched generate call.

A cell is a reading of the request (or, for a value-laden request, a perspective voiced
through prompts/perspective.txt) and an ensemble member is a prompt variant of the
profile's system prompt (prompts/members.yaml). Each (cell, member) pair is one
conversation: system prompt, the thread's earlier turns, the request. The
`samples` answers of a cell are split evenly over the members, so adding members does
not multiply the cost; labels travel with each answer for the estimator.
"""

from __future__ import annotations

from dataclasses import dataclass

from langgraph.runtime import Runtime

from agent.context import Context
from agent.llm.base import Messages
from agent.llm.stopping import SAMPLE_STOPS
from agent.nodes.history import earlier_turns
from agent.state import SampledAnswer, State
from agent.templates import render

DEFAULT_MEMBER = "default"


@dataclass(frozen=True)
class Conversation:
    messages: Messages
    member: str
    reading: str
    perspective: str


def sample(state: State, runtime: Runtime[Context]) -> State:
    ctx = runtime.context
    conversations, n = build_conversations(state, ctx)
    stop = SAMPLE_STOPS[ctx.config.sample_stop]
    results = ctx.resources.backend.sample_batch(
        [c.messages for c in conversations], ctx.params(n, stop)
    )
    answers = [
        SampledAnswer(
            s.text,
            float(s.mean_logprob),
            c.member,
            c.reading,
            c.perspective,
            # to finish it if it is shown (agent.nodes.complete): a stop string cut it
            # on purpose for sampling, so it is not complete either
            conversation=i,
            tokens=tuple(s.token_ids),
            complete=s.finish_reason == "stop" and not stop,
        )
        for i, (c, samples) in enumerate(zip(conversations, results, strict=True))
        for s in samples
    ]
    return {"answers": answers}


def build_conversations(state: State, ctx: Context) -> tuple[list[Conversation], int]:
    """All (cell, member) conversations and the samples each gets."""
    res, samples = ctx.resources, ctx.config.samples
    members = res.members[:samples]
    n = max(1, samples // max(1, len(members)))
    base = res.profile.system_prompt
    systems = [(m.id, m.system_prompt(base)) for m in members] or [(DEFAULT_MEMBER, render(base))]
    context = earlier_turns(state, res.backend, ctx.config.max_new_tokens)
    out = []
    for reading, perspective, user in cells(state, ctx):
        for member, system in systems:
            messages = [
                {"role": "system", "content": system},
                *context,
                {"role": "user", "content": user},
            ]
            out.append(Conversation(messages, member, reading, perspective))
    return out, n


def cells(state: State, ctx: Context) -> list[tuple[str, str, str]]:
    """(reading, perspective id, user message) per cell."""
    request = state["request"]
    if state.get("perspectives"):
        registry = ctx.resources.registry
        return [
            (
                request,
                pid,
                render("perspective", perspective=registry[pid].prompt, question=request),
            )
            for pid in state["perspectives"]
            if pid in registry
        ]
    return [(reading, "default", reading) for reading in state.get("readings") or [request]]

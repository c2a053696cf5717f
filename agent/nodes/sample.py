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

from agent.llm.base import Messages
from agent.nodes.context import for_state
from agent.runtime import Runtime
from agent.templates import render

DEFAULT_MEMBER = "default"
SAMPLE_STOPS = {"none": (), "line": ("\n",), "sentence": (". ", "! ", "? ", "\n")}


@dataclass(frozen=True)
class Conversation:
    messages: Messages
    member: str
    reading: str
    perspective: str


def sample(state: dict, rt: Runtime) -> dict:
    conversations, n = build_conversations(state, rt)
    stop = SAMPLE_STOPS[rt.config.sample_stop]
    results = rt.backend.sample_batch([c.messages for c in conversations], rt.params(n, stop))
    answers = [
        {
            "text": s.text,
            "logprob": float(s.mean_logprob),
            "member": c.member,
            "reading": c.reading,
            "perspective": c.perspective,
            # to finish it if it is shown (agent.nodes.complete): a stop string cut it
            # on purpose for sampling, so it is not complete either
            "conversation": i,
            "tokens": list(s.token_ids),
            "complete": s.finish_reason == "stop" and not stop,
        }
        for i, (c, samples) in enumerate(zip(conversations, results, strict=True))
        for s in samples
    ]
    return {"answers": answers}


def build_conversations(state: dict, rt: Runtime) -> tuple[list[Conversation], int]:
    """All (cell, member) conversations and the samples each gets."""
    samples = rt.config.samples
    members = rt.members[:samples]
    n = max(1, samples // max(1, len(members)))
    base = rt.profile.system_prompt
    systems = [(m.id, m.system_prompt(base)) for m in members] or [(DEFAULT_MEMBER, render(base))]
    context = for_state(state, rt.backend, rt.config.max_new_tokens)
    out = []
    for reading, perspective, user in cells(state, rt):
        for member, system in systems:
            messages = [
                {"role": "system", "content": system},
                *context,
                {"role": "user", "content": user},
            ]
            out.append(Conversation(messages, member, reading, perspective))
    return out, n


def cells(state: dict, rt: Runtime) -> list[tuple[str, str, str]]:
    """(reading, perspective id, user message) per cell."""
    request = state["request"]
    if state.get("perspectives"):
        registry = rt.registry
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

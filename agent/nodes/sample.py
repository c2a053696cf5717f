"""sample: every cell's answers in ONE batched generate call.

A cell is a reading of the request (or, for a value-laden request, a perspective) and
an ensemble member is a prompt variant (prompts/members.yaml). Each (cell, member)
pair is one conversation: system prompt, the thread's earlier turns, the request. The
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


@dataclass(frozen=True)
class Conversation:
    messages: Messages
    member: str
    reading: str
    perspective: str


def sample(state: dict, rt: Runtime) -> dict:
    conversations, n = build_conversations(state, rt)
    results = rt.backend.sample_batch([c.messages for c in conversations], rt.params(n))
    answers = [
        {"text": s.text, "logprob": float(s.mean_logprob), "member": c.member,
         "reading": c.reading, "perspective": c.perspective}
        for c, samples in zip(conversations, results, strict=True) for s in samples
    ]
    return {"answers": answers}


def build_conversations(state: dict, rt: Runtime) -> tuple[list[Conversation], int]:
    """All (cell, member) conversations and the samples each gets."""
    samples = rt.config.samples
    members = rt.members[:samples]
    n = max(1, samples // max(1, len(members)))
    context = for_state(state, rt.backend, rt.config.max_new_tokens)
    base = rt.profile.system_prompt
    out = []
    for reading, perspective, cell_system in cells(state, rt):
        variants = [(m.id, m.system_prompt(base) if cell_system is None
                     else cell_system + "\n" + render(m.template)) for m in members]
        if not variants:
            variants = [(DEFAULT_MEMBER, render(base) if cell_system is None else cell_system)]
        for member, system in variants:
            messages = [{"role": "system", "content": system}, *context,
                        {"role": "user", "content": reading}]
            out.append(Conversation(messages, member, reading, perspective))
    return out, n


def cells(state: dict, rt: Runtime) -> list[tuple[str, str, str | None]]:
    """(reading, perspective id, perspective system prompt or None) per cell."""
    request = state["request"]
    if state.get("perspectives"):
        registry = rt.registry
        return [(request, pid, render("perspective", name=registry[pid].name,
                                      description=registry[pid].description,
                                      prompt=registry[pid].prompt))
                for pid in state["perspectives"] if pid in registry]
    return [(reading, "default", None) for reading in state.get("readings") or [request]]

"""sample: every cell's answers in ONE batched generate call.

A cell is a reading of the request (or, for a value-laden request, a perspective voiced
through prompts/perspective.txt) and an ensemble member is a prompt variant of the
profile's system prompt (prompts/members.yaml). Each (cell, member) pair is one
conversation: system prompt, the thread's earlier turns, the request. The
`samples` answers of a cell are split evenly over the members, so adding members does
not multiply the cost; labels travel with each answer for the estimator.

An adaptive turn (AgentConfig.adaptive) draws them in rounds (`rounds`: half of each
conversation's samples, then a quarter at a time) and stops once the meaning clusters
have settled (uncertainty.settling: every cell unanimous after the first round, or no
cell's modal meaning changed and the semantic entropy moved little); full mode draws
all of them at once. `stopping` in the state says how many were drawn and why.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from langgraph.runtime import Runtime

from agent.context import Context
from agent.llm.base import Messages, Sample
from agent.llm.stopping import SAMPLE_STOPS
from agent.nodes.history import earlier_turns
from agent.state import SampledAnswer, State
from agent.templates import render
from uncertainty.settling import settling

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
    drawn: list[list[Sample]] = [[] for _ in conversations]
    stopping: dict = {"adaptive": ctx.config.adaptive, "planned_per_conversation": n}
    before = None
    for r, size in enumerate(rounds(n) if ctx.config.adaptive else [n]):
        params = dataclasses.replace(ctx.params(size, stop), seed=round_seed(ctx.config.seed, r))
        results = ctx.resources.backend.sample_batch([c.messages for c in conversations], params)
        for got, more in zip(drawn, results, strict=True):
            got.extend(more)
        if sum(len(g) for g in drawn) >= n * len(conversations):
            stopping.update(rounds=r + 1, reason="every planned sample drawn")
            break
        now = cell_labels(state, ctx, conversations, drawn)
        verdict = settling(now, before)
        stopping.update(rounds=r + 1, reason=verdict.reason)
        if verdict.stop:
            break
        before = now
    stopping["answers"] = sum(len(g) for g in drawn)
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
        for i, (c, samples) in enumerate(zip(conversations, drawn, strict=True))
        for s in samples
    ]
    return {"answers": answers, "stopping": stopping}


def rounds(n: int) -> list[int]:
    """Samples per conversation in each round of an adaptive turn: half first, then
    a quarter (at least one) at a time, n in all."""
    first = (n + 1) // 2
    step = max(1, n // 4)
    out = [first]
    while sum(out) < n:
        out.append(min(step, n - sum(out)))
    return out


def round_seed(seed: int | None, r: int) -> int | None:
    """Each round its own seed (the same seed would draw the same samples again)."""
    return None if seed is None else seed + 1009 * r


def cell_labels(
    state: State, ctx: Context, conversations: list[Conversation], drawn: list[list[Sample]]
) -> dict[str, list[int]]:
    """cell -> cluster id of each of its answers so far (one clustering of them all)."""
    from uncertainty import cluster_answers

    texts = [s.text for got in drawn for s in got]
    cells = [
        f"{c.reading}\x1f{c.perspective}"
        for c, got in zip(conversations, drawn, strict=True)
        for _ in got
    ]
    ids = cluster_answers(texts, ctx.resources.judge, state["request"]).assignments
    out: dict[str, list[int]] = {}
    for cell, cid in zip(cells, ids, strict=True):
        out.setdefault(cell, []).append(cid)
    return out


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

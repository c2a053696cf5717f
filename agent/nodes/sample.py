"""sample: every cell's answers in ONE batched generate call.

A cell is a reading of the request (or, for a value-laden request, a perspective voiced
through prompts/perspective.txt) and an ensemble member is a prompt variant of the
profile's system prompt (prompts/members.yaml). Each (cell, member) pair is one
conversation: system prompt, the thread's earlier turns, the request. The
`samples` answers of a cell are split evenly over the members, so adding members does
not multiply the cost; labels travel with each answer for the estimator.

An adaptive turn with AgentConfig.sample_rounds (off by default: on the CPU llama.cpp
backend it saves samples but costs time, see the setting) draws them in rounds
(`rounds`: half of each conversation's samples, then a quarter at a time); after each,
only the cells whose meaning clusters have not settled (uncertainty.settling: unanimous
after the first round; later, the mode held and the cell's entropy moved little) are
drawn again, and the turn stops when all have. Otherwise all are drawn at once.
`stopping` in the state says how many were drawn and why.
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
    order: list[tuple[int, str]] = []  # (conversation, text) in the order drawn
    stopping: dict = {
        "adaptive": ctx.config.adaptive,
        "rounds_allowed": ctx.config.adaptive and ctx.config.sample_rounds,
        "planned_per_conversation": n,
    }
    if open_question(state, ctx):
        why = "clarify with a single reading: the open question needs no samples"
        return {"answers": [], "stopping": {**stopping, "rounds": 0, "reason": why, "answers": 0}}
    todo, before = list(range(len(conversations))), None
    adaptive_n = ctx.config.adaptive and ctx.config.sample_rounds
    for r, size in enumerate(rounds(n) if adaptive_n else [n]):
        params = dataclasses.replace(ctx.params(size, stop), seed=round_seed(ctx.config.seed, r))
        results = ctx.resources.backend.sample_batch(
            [conversations[i].messages for i in todo], params
        )
        for i, more in zip(todo, results, strict=True):
            drawn[i].extend(more)
            order.extend((i, s.text) for s in more)
        stopping["rounds"] = r + 1
        if all(len(got) >= n for got in drawn):
            stopping["reason"] = "every planned sample drawn"
            break
        now = cell_labels(state, ctx, conversations, order)
        verdict = settling(now, before)
        stopping["reason"] = verdict.reason
        if verdict.stop:
            break
        todo = [i for i, c in enumerate(conversations) if not verdict.settled[cell_of(c)]]
        before = now
    else:
        stopping["reason"] += "; the planned samples of those cells are drawn"
    stopping["answers"] = len(order)
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


def open_question(state: State, ctx: Context) -> bool:
    """An adaptive turn the judges send to clarify, with no second reading to offer: it
    asks an open question, which no sample changes (full mode samples it anyway)."""
    found = state.get("probe")
    adaptive = ctx.config.adaptive and found is not None and found.move == "clarify"
    return adaptive and len(state.get("readings") or []) < 2


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


def cell_of(c: Conversation) -> str:
    return f"{c.reading}\x1f{c.perspective}"


def cell_labels(
    state: State, ctx: Context, conversations: list[Conversation], order: list[tuple[int, str]]
) -> dict[str, list[int]]:
    """cell -> cluster id of each of its answers so far: one clustering of all of them
    in the order drawn, so earlier answers keep their ids from round to round."""
    from uncertainty import cluster_answers

    texts = [text for _, text in order]
    ids = cluster_answers(texts, ctx.resources.judge, state["request"]).assignments
    out: dict[str, list[int]] = {}
    for (i, _), cid in zip(order, ids, strict=True):
        out.setdefault(cell_of(conversations[i]), []).append(cid)
    return out


def build_conversations(state: State, ctx: Context) -> tuple[list[Conversation], int]:
    """All (cell, member) conversations and the samples each gets."""
    res, samples = ctx.resources, samples_per_cell(state, ctx)
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


def samples_per_cell(state: State, ctx: Context) -> int:
    """`samples`; fewer (`perspective_samples`) in an adaptive turn the judges send to
    perspectives: its move no longer depends on them (agent.nodes.probe)."""
    found = state.get("probe")
    if ctx.config.adaptive and found is not None and found.move == "perspectives":
        return min(ctx.config.samples, ctx.config.perspective_samples)
    return ctx.config.samples


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

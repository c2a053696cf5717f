"""probe: one greedy answer first; sample only when something says it is needed.

Most requests are clear, and a clear request answered confidently gains nothing from
eight more samples: the greedy answer IS the answer a plain chat model gives, at the
plain model's cost. So an adaptive turn (AgentConfig.adaptive, the default) starts with
the complete greedy answer (up to answer_tokens, streamed) and samples only when one of
these says the moves may differ from "answer":

- a learned judge (agent.nodes.judge) crosses its profile threshold: the request is
  contested (perspectives are sampled), needs clarifying, or its answer is likely wrong;
- a facet of the library matches (the request has known readings): readings are sampled
  (these two are seen from embeddings alone, so then no greedy answer is generated);
- the greedy answer is not confident: its mean token log-prob is below
  `probe_min_logprob` (-0.5: a geometric-mean token probability of 0.6, set a priori,
  not fitted to any evaluation data).

Otherwise the turn answers with the greedy text ("direct"). When it samples, the probe's
conversation is the first sampled conversation, so llama.cpp reuses its prompt KV, and a
shown answer that means the same as the greedy one is the greedy (complete) text.
Full mode (adaptive off) never probes: every turn samples, as before.
"""

from __future__ import annotations

import math
from typing import Literal

from langgraph.runtime import Runtime

from agent.context import Context, studio_context
from agent.facets import match
from agent.llm.base import Messages, Sample
from agent.nodes.complete import streamer
from agent.reply import Reply
from agent.state import HistoryEntry, Probe, State


def probe(state: State, runtime: Runtime[Context]) -> State:
    from agent.nodes.sample import build_conversations

    ctx = runtime.context
    request = state["request"]
    reasons = known_reasons(state, ctx)
    if reasons:  # it samples anyway: no greedy answer to pay for
        return {"probe": Probe("", 0.0, "stop", sample=True, reason="; ".join(reasons))}
    first = build_conversations({**state, "readings": [request], "perspectives": []}, ctx)[0][0]
    greedy = write(ctx, first.messages, ctx.config.answer_tokens, "probe")
    reasons = confidence_reasons(greedy, ctx)
    found = Probe(
        text=greedy.text,
        mean_logprob=float(greedy.mean_logprob),
        finish_reason=greedy.finish_reason,
        sample=bool(reasons),
        reason="; ".join(reasons) or confident_reason(greedy, ctx),
    )
    return {"probe": found}


def write(ctx: Context, messages: Messages, cap: int, node: str) -> Sample:
    """A complete greedy answer, streamed as it is written."""
    start = Sample("", (), (), "length")
    return ctx.resources.backend.extend(messages, start, cap, streamer(node), deadline=ctx.deadline)


def known_reasons(state: State, ctx: Context) -> list[str]:
    """Why the request needs samples, seen before any generation (embeddings only)."""
    request, res = state["request"], ctx.resources
    reasons = []
    thresholds = res.profile.thresholds
    for judged in state.get("judgments") or []:  # agent.nodes.judge, before this node
        threshold = float(thresholds[judged.component])  # type: ignore[index]
        if judged.probability >= threshold:
            reasons.append(
                f"{judged.component} {judged.probability:.2f} >= {threshold:.2f} ({judged.probe})"
            )
    if not state.get("clarify_rounds") and match(request, res.facets, res.embedder):
        reasons.append("a facet of the library matches (known readings)")
    return reasons


def confidence_reasons(greedy: Sample, ctx: Context) -> list[str]:
    """Why the greedy answer does not stand on its own ([] = it does)."""
    threshold = ctx.config.probe_min_logprob
    if not greedy.text:
        return ["the greedy answer is empty"]
    if greedy.mean_logprob < threshold:
        return [
            f"greedy answer not confident (mean token log-prob {greedy.mean_logprob:.2f} "
            f"< {threshold:g})"
        ]
    return []


def confident_reason(greedy: Sample, ctx: Context) -> str:
    return (
        f"probe: confident greedy answer (mean token log-prob {greedy.mean_logprob:.2f} "
        f">= {ctx.config.probe_min_logprob:g}), no judge above its threshold, no known readings; "
        "not sampled"
    )


def after_begin(state: State, runtime: Runtime[Context]) -> Literal["probe", "interpret"]:
    context = runtime.context or studio_context()
    return "probe" if context.config.adaptive else "interpret"


def after_probe(state: State) -> Literal["direct", "interpret"]:
    found = state.get("probe")
    return "interpret" if found is None or found.sample else "direct"


def direct(state: State, runtime: Runtime[Context]) -> State:
    """Answer with the probe's greedy text (no samples were drawn)."""
    found = state.get("probe")
    assert found is not None, "probe runs before direct"
    reply = Reply(
        kind="answer",
        text=found.text,
        thread_id="",
        route_reason=found.reason,
        confidence=math.exp(min(0.0, found.mean_logprob)),  # geometric-mean token probability
        context=runtime.context.resources.profile.name,
        written=[{"text": found.text, "finish_reason": found.finish_reason}],
    )
    entry: HistoryEntry = {"role": "assistant", "content": found.text, "kind": "answer"}
    return {"reply": reply, "history": [*state.get("turn_log", []), entry], "turn_log": []}

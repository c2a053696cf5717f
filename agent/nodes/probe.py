"""probe: one greedy answer first; sample only when something says it is needed.

Most requests are clear, and a clear request answered confidently gains nothing from
eight more samples: the greedy answer IS the answer a plain chat model gives, at the
plain model's cost. So an adaptive turn (AgentConfig.adaptive, the default) starts with
the complete greedy answer (up to answer_tokens, streamed) and samples only when one of
these says the moves may differ from "answer":

- the request is value-laden (the normativity gate): perspectives are sampled;
- a facet of the library matches (the request has known readings): readings are sampled;
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

from agent.facets import match
from agent.llm.base import Sample
from agent.nodes.complete import streamer
from agent.normativity import is_value_laden
from agent.runtime import Runtime


def probe(state: dict, rt: Runtime) -> dict:
    from agent.nodes.sample import build_conversations

    request = state["request"]
    first = build_conversations({**state, "readings": [request], "perspectives": []}, rt)[0][0]
    greedy = write(rt, first.messages, rt.config.answer_tokens, "probe")
    reasons = sampling_reasons(state, rt, greedy)
    return {
        "probe": {
            "text": greedy.text,
            "mean_logprob": float(greedy.mean_logprob),
            "finish_reason": greedy.finish_reason,
            "sample": bool(reasons),
            "reason": "; ".join(reasons) or confident_reason(greedy, rt),
        }
    }


def write(rt: Runtime, messages, cap: int, node: str) -> Sample:
    """A complete greedy answer, streamed when the backend can stream."""
    extend = getattr(rt.backend, "extend", None)
    if extend is None:
        return rt.backend.greedy(messages, cap)
    return extend(messages, Sample("", (), (), "length"), cap, streamer(node))


def sampling_reasons(state: dict, rt: Runtime, greedy: Sample) -> list[str]:
    """Why this request needs samples ([] = the greedy answer stands)."""
    request = state["request"]
    reasons = []
    laden, score = is_value_laden(request, rt.embedder, threshold=rt.profile.normative_threshold)
    if laden:
        reasons.append(f"value-laden (score {score:.2f})")
    if not state.get("clarify_rounds") and match(request, rt.facets, rt.embedder):
        reasons.append("a facet of the library matches (known readings)")
    if not greedy.text:
        reasons.append("the greedy answer is empty")
    elif greedy.mean_logprob < rt.config.probe_min_logprob:
        reasons.append(
            f"greedy answer not confident (mean token log-prob {greedy.mean_logprob:.2f} "
            f"< {rt.config.probe_min_logprob:g})"
        )
    return reasons


def confident_reason(greedy: Sample, rt: Runtime) -> str:
    return (
        f"probe: confident greedy answer (mean token log-prob {greedy.mean_logprob:.2f} "
        f">= {rt.config.probe_min_logprob:g}), not value-laden, no known readings; not sampled"
    )


def after_begin(state: dict, rt: Runtime) -> Literal["probe", "interpret"]:
    return "probe" if rt.config.adaptive else "interpret"


def after_probe(state: dict) -> Literal["direct", "interpret"]:
    return "interpret" if state["probe"]["sample"] else "direct"


def direct(state: dict, rt: Runtime) -> dict:
    """Answer with the probe's greedy text (no samples were drawn)."""
    from agent.nodes.respond import reply_update

    found = state["probe"]
    state = {**state, "route": {"move": "answer", "reason": found["reason"], "triggers": {}}}
    written = [{"text": found["text"], "finish_reason": found["finish_reason"]}]
    confidence = math.exp(min(0.0, found["mean_logprob"]))  # geometric-mean token probability
    return reply_update(state, rt, "answer", found["text"], confidence=confidence, written=written)

"""probe: decide from the learned judges whether the turn needs samples at all.

Most requests are clear, and a clear request answered confidently gains nothing from
more samples: the greedy answer IS the answer a plain chat model gives, at the plain
model's cost. The move is the policy's (agent.policy.route) on the judges' estimates
(agent.nodes.judge: P(needs clarifying) -> ambiguity, P(contested) -> value_conflict,
P(the model's answer is wrong) -> epistemic), because those are the components it
routes on; the sampled estimates never route. So an adaptive turn (AgentConfig.adaptive,
the default) routes first, on the judges alone:

- "answer" (no judge reaches its profile threshold, or the move it asks for is not
  allowed or capped): the turn answers with the complete greedy answer ("direct"),
  continued from the one the likely_wrong judge already read when the conversation is
  the same (the first turn of a thread), and reports the judges' estimates with the
  greedy answer's token entropy (uncertainty.judged.unsampled_report, n_samples 0);
- "hedge" (the likely_wrong judge flags the answer): the same complete greedy answer is
  the best guess, wrapped in prompts/hedge_greedy.txt with the greedy answer's
  geometric-mean token probability as its confidence; nothing is sampled. Full mode
  samples the request and gives its best guess's share of the samples instead
  (agent.nodes.respond.hedge); the move is the same, as the judges decide it;
- "perspectives" or "clarify": the turn samples only the cells that move needs
  (interpret): perspectives, or readings (the clarifying question's options). The final
  route then runs on the sampled report, whose judged components are the same estimates.

The thresholds are the profile's (prompts/contexts/*.yaml), chosen on dev rows by
`python -m eval train-judges`; the probe adds none of its own. Full mode (adaptive off)
never probes: every turn samples every cell, as before, and routes on the same judges.
"""

from __future__ import annotations

import math
from typing import Literal

from langgraph.runtime import Runtime

from agent.context import Context, studio_context
from agent.judges import judge_conversation
from agent.llm.base import Messages, Sample
from agent.nodes.complete import streamer
from agent.nodes.history import earlier_turns
from agent.policy import Move, Route, route
from agent.reply import Reply
from agent.state import HistoryEntry, Probe, State
from agent.templates import render
from uncertainty import UncertaintyReport
from uncertainty.judged import unsampled_report

GREEDY_MOVES: tuple[Move, ...] = ("answer", "hedge")
"""The moves an adaptive turn makes from its complete greedy answer, unsampled."""


def probe(state: State, runtime: Runtime[Context]) -> State:
    ctx = runtime.context
    before = judged_route(state, ctx, token_entropy=0.0)
    if before.move not in GREEDY_MOVES:  # it samples: no greedy answer to pay for
        return {
            "probe": Probe("", 0.0, "stop", sample=True, reason=before.reason, move=before.move)
        }
    greedy = write(state, ctx)
    if not greedy.text.strip():  # nothing to show: sample, as full mode would
        why = f"{before.reason}; the greedy answer is empty, so it is sampled"
        return {
            "probe": Probe("", 0.0, greedy.finish_reason, sample=True, reason=why, move=before.move)
        }
    return {
        "probe": Probe(
            text=greedy.text,
            mean_logprob=float(greedy.mean_logprob),
            finish_reason=greedy.finish_reason,
            sample=False,
            reason=before.reason,
            move=before.move,
            tokens=len(greedy.token_logprobs),
        )
    }


def judged_report(state: State, token_entropy: float, tokens: int = 0) -> UncertaintyReport:
    return unsampled_report(state.get("judgments") or [], token_entropy, tokens)


def judged_route(state: State, ctx: Context, token_entropy: float, tokens: int = 0) -> Route:
    """The policy's move on the judges' estimates (no samples)."""
    return route(
        judged_report(state, token_entropy, tokens).vector(),
        ctx.resources.profile,
        clarify_rounds=state.get("clarify_rounds", 0),
        value_laden=bool(state.get("value_laden")),
        has_options=False,
    )


def answer_conversation(state: State, ctx: Context) -> Messages:
    """The conversation a plain chat model answers: the profile's system prompt, the
    thread's earlier turns, the request."""
    res = ctx.resources
    return [
        {"role": "system", "content": render(res.profile.system_prompt)},
        *earlier_turns(state, res.backend, ctx.config.max_new_tokens),
        {"role": "user", "content": state["request"]},
    ]


def write(state: State, ctx: Context) -> Sample:
    """The complete greedy answer (up to answer_tokens), streamed as it is written; the
    judges' greedy answer is continued when it answered this same conversation."""
    messages = answer_conversation(state, ctx)
    start = Sample("", (), (), "length")
    read = state.get("judge_greedy")
    # the same conversation when the profile's system prompt is the judges' (the judges
    # read the same earlier turns): then the judges' answer is this answer's beginning
    if read is not None and messages == judge_conversation(state["request"], messages[1:-1]):
        if read.finish_reason == "stop":  # it already ended where the model ends it
            streamer("probe")(read.text)
            return read
        start = read
    on_text = streamer("probe", start.text)
    cap = ctx.config.answer_tokens
    return ctx.resources.backend.extend(messages, start, cap, on_text, deadline=ctx.deadline)


def after_begin(state: State, runtime: Runtime[Context]) -> Literal["probe", "interpret"]:
    context = runtime.context or studio_context()
    return "probe" if context.config.adaptive else "interpret"


def after_probe(state: State) -> Literal["direct", "interpret"]:
    found = state.get("probe")
    return "interpret" if found is None or found.sample else "direct"


def direct(state: State, runtime: Runtime[Context]) -> State:
    """Answer (or hedge, when the judges flag the answer as likely wrong) with the probe's
    greedy text; no samples were drawn. The confidence is the greedy answer's
    geometric-mean token probability; the report holds the judges' estimates and the
    greedy answer's token entropy."""
    found = state.get("probe")
    assert found is not None and found.move in GREEDY_MOVES, "probe runs before direct"
    ctx = runtime.context
    entropy = -min(0.0, found.mean_logprob)
    confidence = math.exp(-entropy)
    report = judged_report(state, entropy, found.tokens)
    decision = judged_route(state, ctx, entropy, found.tokens)
    reason = f"{decision.reason}; answered by the greedy probe, nothing sampled"
    text = found.text
    if decision.move == "hedge":
        text = render("hedge_greedy", guess=found.text, confidence=f"{confidence:.0%}")
    reply = Reply(
        kind=decision.move,
        text=text,
        thread_id="",
        route_reason=reason,
        confidence=confidence,
        uncertainty=report,
        context=ctx.resources.profile.name,
        value_laden=bool(state.get("value_laden", False)),
        value_score=float(state.get("value_score", 0.0)),
        written=[{"text": found.text, "finish_reason": found.finish_reason}],
    )
    entry: HistoryEntry = {"role": "assistant", "content": text, "kind": decision.move}
    return {
        "report": report,
        "route": decision,
        "reply": reply,
        "history": [*state.get("turn_log", []), entry],
        "turn_log": [],
    }

"""judge: the learned judges read the request before anything is sampled.

One embedding and one short greedy answer (agent.judges) give three probabilities, each
an estimate of one uncertainty component: P(needs clarifying) -> ambiguity,
P(contested) -> value_conflict, P(the model's answer is wrong) -> epistemic. They are
kept in the state (`judgments`) and become those components in `estimate`
(uncertainty.judged), the sampled estimates beside them as evidence.

The request is value-laden when P(contested) reaches the profile's value_conflict
threshold: `interpret` then voices perspectives instead of readings. The nearest-exemplar
normativity score (agent.normativity) the gate used before is kept as evidence.
The judges read the thread (`earlier_turns`): the likely_wrong judge's greedy answer is
written in the thread's context (a follow-up such as "and for silver?" is answered as in
the thread); needs_clarification reads the request alone and in its thread shape (the
previous turn's request, `previous_request`, with this message folded in, as a clarify
reply is folded) and takes
the min: the thread can resolve what the message leaves open. contested reads the
request alone (a new factual topic after a moral question stays a fact). Both
needs_clarification values are the estimate's evidence (agent.judges). After a
clarification round the folded request is judged again. The greedy answer the
likely_wrong judge read (agent.judges.judge_conversation) is kept (`judge_greedy`): an
adaptive turn that answers directly continues it instead of writing it again.
"""

from __future__ import annotations

import dataclasses

from langgraph.runtime import Runtime

from agent.context import Context
from agent.nodes.history import earlier_turns
from agent.normativity import normativity_score
from agent.state import State


def judge(state: State, runtime: Runtime[Context]) -> State:
    ctx = runtime.context
    res, request = ctx.resources, state["request"]
    context = earlier_turns(state, res.backend, ctx.config.max_new_tokens)
    estimates, greedy = res.judges.judge(
        request,
        res.embedder,
        res.backend,
        ctx.deadline,
        context=context,
        previous=state.get("previous_request") or None,
    )
    contested = next(e for e in estimates if e.component == "value_conflict")
    contested = dataclasses.replace(
        contested,
        evidence={
            **contested.evidence,
            "nearest_exemplar_score": normativity_score(request, res.embedder),
        },
    )
    estimates = [contested if e.component == "value_conflict" else e for e in estimates]
    threshold = float(res.profile.thresholds["value_conflict"])
    return {
        "judgments": estimates,
        "value_laden": contested.probability >= threshold,
        "value_score": float(contested.probability),
        "judge_greedy": greedy,
    }

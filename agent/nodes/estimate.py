"""estimate: the uncertainty vector (the `uncertainty` package): the sampled estimators
on the answers, then the learned judges' estimates (agent.nodes.judge) in their place.
A turn that drew no samples (an open clarifying question) reports the judges and the
judges' greedy answer's token entropy (uncertainty.judged.unsampled_report)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.context import Context
from agent.state import State
from uncertainty.judged import apply_judges, unsampled_report


def estimate(state: State, runtime: Runtime[Context]) -> State:
    from uncertainty import estimate as estimate_uncertainty

    ctx = runtime.context
    if (state.get("stopping") or {}).get("rounds") == 0:  # sample.open_question: none drawn
        greedy = state.get("judge_greedy")
        entropy = -greedy.mean_logprob if greedy is not None else 0.0
        tokens = len(greedy.token_logprobs) if greedy is not None else 0
        report = unsampled_report(state.get("judgments") or [], entropy, tokens)
        report.semantic_entropy.evidence["stopping"] = dict(state.get("stopping") or {})
        return {"report": report}
    seed = ctx.config.seed if ctx.config.seed is not None else 0
    report = estimate_uncertainty(
        state["answers"], ctx.resources.judge, question=state["request"], seed=seed
    )
    if state.get("stopping"):  # adaptive N: how many were drawn and why it stopped
        report.semantic_entropy.evidence["stopping"] = dict(state["stopping"] or {})
    # the learned judges' estimates become their components; the sampled ones are evidence
    return {"report": apply_judges(report, state.get("judgments") or [])}

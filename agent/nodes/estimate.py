"""estimate: the uncertainty vector of the sampled answers (the `uncertainty` package)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.context import Context
from agent.state import State


def estimate(state: State, runtime: Runtime[Context]) -> State:
    from uncertainty import estimate as estimate_uncertainty

    ctx = runtime.context
    seed = ctx.config.seed if ctx.config.seed is not None else 0
    report = estimate_uncertainty(
        state["answers"], ctx.resources.judge, question=state["request"], seed=seed
    )
    return {"report": report}

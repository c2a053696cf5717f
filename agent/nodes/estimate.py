"""estimate: the uncertainty vector of the sampled answers (the `uncertainty` package)."""

from __future__ import annotations

from agent.runtime import Runtime


def estimate(state: dict, rt: Runtime) -> dict:
    from uncertainty import LabeledAnswer
    from uncertainty import estimate as estimate_uncertainty

    answers = [
        LabeledAnswer(a["text"], a["logprob"], a["member"], a["reading"], a["perspective"])
        for a in state["answers"]
    ]
    seed = rt.config.seed if rt.config.seed is not None else 0
    report = estimate_uncertainty(answers, rt.judge, question=state["request"], seed=seed)
    return {"report": report.to_dict()}

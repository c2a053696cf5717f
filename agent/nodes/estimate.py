"""estimate: the uncertainty vector of the sampled answers (the `uncertainty` package)."""

from __future__ import annotations

import json

from agent.runtime import Runtime


def plain(data: dict) -> dict:
    """Plain Python types only (numpy scalars become float/int): the checkpointer's
    msgpack serialiser rejects numpy types."""
    return json.loads(json.dumps(data, default=lambda o: o.item() if hasattr(o, "item")
                                 else str(o)))


def estimate(state: dict, rt: Runtime) -> dict:
    from uncertainty import LabeledAnswer
    from uncertainty import estimate as estimate_uncertainty

    answers = [LabeledAnswer(a["text"], a["logprob"], a["member"], a["reading"],
                             a["perspective"]) for a in state["answers"]]
    seed = rt.config.seed if rt.config.seed is not None else 0
    report = estimate_uncertainty(answers, rt.judge, question=state["request"], seed=seed)
    return {"report": plain(report.to_dict())}

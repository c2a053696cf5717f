"""Judges as estimators: one value per component, the sampled estimate kept as evidence."""

from __future__ import annotations

import pytest

from uncertainty import LabeledAnswer, UncertaintyReport, estimate
from uncertainty.judged import JudgeEstimate, apply_judges, sampled_value


class SameText:
    """Answers mean the same when their texts are equal."""

    def bind(self, question, texts):
        return lambda i, j: texts[i] == texts[j]


def _report() -> UncertaintyReport:
    answers = [
        LabeledAnswer(t, -0.5, "m", r, "none")
        for r, texts in (("r1", ["a", "a", "a", "b"]), ("r2", ["c", "c", "c", "c"]))
        for t in texts
    ]
    return estimate(answers, SameText(), "q")


def test_judge_value_drives_the_component_and_the_sampled_one_is_evidence():
    report = _report()
    before = report.ambiguity
    judged = apply_judges(
        report,
        [
            JudgeEstimate(
                "ambiguity", 0.8, "needs_clarification-v1", "P(needs clarifying)", ("embedding",)
            )
        ],
    )
    comp = judged.ambiguity
    assert comp.value == 0.8 and comp.unit == "probability"
    assert comp.estimator == "needs_clarification-v1"
    assert comp.evidence["sampled"]["value"] == before.value
    assert comp.evidence["sampled"]["method"] == before.method
    assert sampled_value(comp) == before.value
    assert judged.epistemic == report.epistemic  # untouched components stay sampled
    assert judged.epistemic.estimator == "sampled" and judged.epistemic.unit == "nats"
    again = UncertaintyReport.from_dict(judged.to_dict())
    assert again.ambiguity.estimator == "needs_clarification-v1"
    assert again.vector() == judged.vector()


def test_estimates_are_checked():
    with pytest.raises(ValueError, match="component"):
        JudgeEstimate("certainty", 0.5, "p", "q", ())
    with pytest.raises(ValueError, match="outside"):
        JudgeEstimate("ambiguity", 1.5, "p", "q", ())

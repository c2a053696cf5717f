"""Judges as estimators: one value per component, the sampled estimate kept as evidence."""

from __future__ import annotations

import pytest

from uncertainty import LabeledAnswer, UncertaintyReport, estimate
from uncertainty.judged import JudgeEstimate, apply_judges, sampled_value, unsampled_report


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


def _estimates(p=0.3):
    return [
        JudgeEstimate(c, p, f"{c}-v1", "P(...)", ("embedding",))
        for c in ("ambiguity", "value_conflict", "epistemic")
    ]


def test_an_unsampled_report_has_the_judges_and_the_token_entropy_and_no_samples():
    report = unsampled_report(_estimates(), token_entropy=0.4, tokens=12)
    assert report.n_samples == 0 and report.clusters == [] and report.differing_readings == []
    assert report.vector() == {
        "semantic_entropy": 0.4,
        "epistemic": 0.3,
        "ambiguity": 0.3,
        "value_conflict": 0.3,
    }
    assert report.semantic_entropy.estimator == "greedy_token_entropy"
    assert report.ambiguity.estimator == "ambiguity-v1"
    assert [sampled_value(c) for c in report.components()] == [None] * 4  # none made up
    again = UncertaintyReport.from_dict(report.to_dict())
    assert again.vector() == report.vector() and again.n_samples == 0


def test_an_unsampled_report_needs_every_judge():
    with pytest.raises(ValueError, match="epistemic"):
        unsampled_report(_estimates()[:2], token_entropy=0.4, tokens=3)

"""Learned judges as estimators of uncertainty components.

A judge (agent/judges.py) estimates one component from the request itself, as a
probability; the sampled estimator (uncertainty.estimate) estimates the same component
from the answers, in nats. `apply_judges` makes the judge's estimate the component's
value (estimator = the probe's name, unit = "probability") and keeps the sampled one,
whole, as evidence["sampled"]; components no judge estimates stay as sampled. Nothing
is averaged or summed: each component has exactly one value, from one estimator.

`unsampled_report` is the report of a turn that drew no samples (an adaptive turn
answered by its greedy probe, agent.nodes.probe): the judged components from the
judges, semantic_entropy's place taken by the greedy answer's token entropy (its own
estimator and unit), n_samples 0, no clusters, and no sampled estimate anywhere
(evidence["sampled"] is None, `sampled_value` gives None): nothing is made up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from uncertainty.report import COMPONENT_NAMES, Component, UncertaintyReport


@dataclass(frozen=True)
class JudgeEstimate:
    """A judge's estimate of one component."""

    component: str  # a COMPONENT_NAMES entry
    probability: float
    probe: str  # e.g. "needs_clarification-v1"
    question: str  # what the probability is of, e.g. "P(the request needs clarifying)"
    features: tuple[str, ...]  # feature blocks it read
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.component not in COMPONENT_NAMES:
            raise ValueError(f"unknown component {self.component!r}")
        if not 0.0 <= float(self.probability) <= 1.0:
            raise ValueError(f"probability {self.probability} outside [0, 1]")


def judged_component(sampled: Component, judge: JudgeEstimate) -> Component:
    """The judge's estimate as the component; the sampled one kept as evidence."""
    return Component(
        name=sampled.name,
        value=float(judge.probability),
        raw=float(judge.probability),
        method=f"learned judge {judge.probe}: {judge.question}, from {' + '.join(judge.features)}",
        evidence={
            "judge": {"probe": judge.probe, "features": list(judge.features), **judge.evidence},
            "sampled": dataclasses.asdict(sampled),
        },
        estimator=judge.probe,
        unit="probability",
    )


def apply_judges(report: UncertaintyReport, judges: Iterable[JudgeEstimate]) -> UncertaintyReport:
    """A copy of the report whose judged components carry the judges' values."""
    updates: dict[str, Component] = {}
    for judge in judges:
        if judge.component in updates:
            raise ValueError(f"two judges estimate {judge.component}")
        updates[judge.component] = judged_component(getattr(report, judge.component), judge)
    return dataclasses.replace(report, **updates)  # type: ignore[arg-type]


JUDGED: tuple[str, ...] = ("ambiguity", "value_conflict", "epistemic")
"""The components a learned judge estimates (agent/judges.py)."""
GREEDY_TOKEN_ENTROPY = "greedy_token_entropy"
"""The estimator of an unsampled turn's semantic_entropy slot."""


def unsampled_report(
    judges: Iterable[JudgeEstimate], token_entropy: float, tokens: int
) -> UncertaintyReport:
    """The report of a turn with no samples: judged components, the greedy answer's token
    entropy (mean negative log-prob per token, nats) for semantic_entropy, n_samples 0."""
    by_component = {j.component: j for j in judges}
    missing = [c for c in JUDGED if c not in by_component]
    if missing:
        raise ValueError(f"an unsampled report needs a judge for {', '.join(missing)}")
    none = "not sampled (n_samples 0)"
    judged = {
        c: dataclasses.replace(
            judged_component(Component(c, 0.0, 0.0, none), by_component[c]),  # type: ignore[arg-type]
            evidence={
                "judge": {
                    "probe": by_component[c].probe,
                    "features": list(by_component[c].features),
                    **by_component[c].evidence,
                },
                "sampled": None,
            },
        )
        for c in JUDGED
    }
    entropy = Component(
        name="semantic_entropy",
        value=max(0.0, float(token_entropy)),
        raw=max(0.0, float(token_entropy)),
        method=(
            "token entropy of the greedy answer (mean negative log-prob per token); "
            "semantic entropy needs samples and none were drawn"
        ),
        evidence={"tokens": int(tokens), "sampled": None},
        estimator=GREEDY_TOKEN_ENTROPY,
        unit="nats",
    )
    return UncertaintyReport(
        semantic_entropy=entropy,
        clusters=[],
        differing_readings=[],
        n_samples=0,
        **judged,
    )


def sampled_value(component: Component) -> float | None:
    """The sampled estimator's value of a component, whichever estimator produced it;
    None when nothing was sampled (an unsampled report)."""
    if component.estimator == "sampled":
        return float(component.value)
    sampled = component.evidence.get("sampled")
    return float(sampled["value"]) if sampled else None

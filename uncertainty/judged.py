"""Learned judges as estimators of uncertainty components.

A judge (agent/judges.py) estimates one component from the request itself, as a
probability; the sampled estimator (uncertainty.estimate) estimates the same component
from the answers, in nats. `apply_judges` makes the judge's estimate the component's
value (estimator = the probe's name, unit = "probability") and keeps the sampled one,
whole, as evidence["sampled"]; components no judge estimates stay as sampled. Nothing
is averaged or summed: each component has exactly one value, from one estimator.
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


def sampled_value(component: Component) -> float:
    """The sampled estimator's value of a component, whichever estimator produced it."""
    sampled = component.evidence.get("sampled") if component.estimator != "sampled" else None
    return float(sampled["value"]) if sampled else float(component.value)

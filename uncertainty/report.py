"""The uncertainty report: a vector of named components, never one collapsed score."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

COMPONENT_NAMES = ("semantic_entropy", "epistemic", "ambiguity", "value_conflict")


@dataclass
class Component:
    """One uncertainty component: one value, from one named estimator, in one unit.

    `value` is the figure the policy reads (>= 0): a sampled estimator's
    small-sample-corrected figure in nats, or a learned judge's probability (see
    uncertainty.judged); `raw` the plug-in (uncorrected) figure; `method` says how `value`
    was obtained; `estimator` names what produced it ("sampled", or a judge's probe such
    as "needs_clarification-v1") and `unit` its unit ("nats" or "probability");
    `evidence` holds the JSON-able figures behind it, including the other estimator's
    value when a judge produced this one (evidence["sampled"]).
    """

    name: str
    value: float
    raw: float
    method: str
    evidence: dict[str, Any] = field(default_factory=dict)
    estimator: str = "sampled"
    unit: str = "nats"


@dataclass
class Cluster:
    """A group of answers that mean the same thing."""

    id: int
    representative: str  # the member with the highest log-prob (the first one without them)
    members: list[str]
    probability: float  # discrete share of all samples
    likelihood_probability: float | None = None  # from sequence log-probs, if given
    labels: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> label -> count


@dataclass
class UncertaintyReport:
    semantic_entropy: Component
    epistemic: Component
    ambiguity: Component
    value_conflict: Component
    clusters: list[Cluster]  # sorted by probability, descending
    differing_readings: list[str]  # readings whose modal clusters differ (clarify options)
    n_samples: int

    def components(self) -> list[Component]:
        return [getattr(self, name) for name in COMPONENT_NAMES]

    def vector(self) -> dict[str, float]:
        return {c.name: c.value for c in self.components()}

    def to_dict(self) -> dict[str, Any]:
        """Plain Python types only (numpy scalars become float/int), so the dict can be
        stored by any serialiser, LangGraph's checkpointer included."""
        return json.loads(json.dumps(asdict(self), default=_plain_scalar))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> UncertaintyReport:
        comps = {name: Component(**d[name]) for name in COMPONENT_NAMES}
        return cls(
            **comps,
            clusters=[Cluster(**c) for c in d["clusters"]],
            differing_readings=list(d["differing_readings"]),
            n_samples=int(d["n_samples"]),
        )

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_dict(), **kw)

    @classmethod
    def from_json(cls, s: str) -> UncertaintyReport:
        return cls.from_dict(json.loads(s))


def _plain_scalar(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalar or 0-d array
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")

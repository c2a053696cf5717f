"""The uncertainty report: a vector of named components, never one collapsed score."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

ComponentName = Literal["semantic_entropy", "epistemic", "ambiguity", "value_conflict"]
"""The uncertainty components: the one definition every other module derives from."""
COMPONENT_NAMES: tuple[ComponentName, ...] = get_args(ComponentName)


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

    name: ComponentName
    value: float
    raw: float
    method: str
    evidence: dict[str, Any] = field(default_factory=dict)
    estimator: str = "sampled"
    unit: str = "nats"

    def __post_init__(self) -> None:  # plain Python numbers: any serialiser can store them
        self.value, self.raw = float(self.value), float(self.raw)
        self.evidence = _plain(self.evidence)


@dataclass
class Cluster:
    """A group of answers that mean the same thing."""

    id: int
    representative: str  # the member with the highest log-prob (the first one without them)
    members: list[str]
    probability: float  # discrete share of all samples
    likelihood_probability: float | None = None  # from sequence log-probs, if given
    labels: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> label -> count

    def __post_init__(self) -> None:
        self.id, self.probability = int(self.id), float(self.probability)
        if self.likelihood_probability is not None:
            self.likelihood_probability = float(self.likelihood_probability)
        self.labels = _plain(self.labels)


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

    def vector(self) -> dict[ComponentName, float]:
        return {name: getattr(self, name).value for name in COMPONENT_NAMES}

    def to_dict(self) -> dict[str, Any]:
        """Plain Python types only (numpy scalars become float/int), so the dict can be
        stored by any serialiser, LangGraph's checkpointer included."""
        plain: dict[str, Any] = json.loads(json.dumps(asdict(self), default=_plain_scalar))
        return plain

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


def _plain(value: Any) -> Any:
    """`value` with numpy scalars (and tuples) inside it turned into Python ones."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()  # numpy scalar or 0-d array
    return value


def _plain_scalar(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalar or 0-d array
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")

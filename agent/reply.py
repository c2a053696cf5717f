"""What a turn hands back: the Reply a user reads and the events a UI streams.

Re-exported by agent.api (the public home of these types). Nodes store a Reply as plain
data (Reply.to_dict() without thread id and timing) in the checkpoint; the Agent
rebuilds the typed object from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from agent.policy import Move
from uncertainty import Cluster, UncertaintyReport


@dataclass
class PerspectiveView:
    id: str
    name: str
    position: str
    reasoning: str
    share: float  # fraction of ALL samples in this view's cluster
    distribution: dict[str, float] | None = None
    """A cultural group's answer shares over the question's options (culture adapters)."""


@dataclass
class Reply:
    kind: Move
    text: str
    thread_id: str
    route_reason: str
    uncertainty: UncertaintyReport | None = None
    options: list[str] = field(default_factory=list)
    perspectives: list[PerspectiveView] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    confidence: float | None = None
    context: str = "general"
    seconds: float = 0.0
    value_laden: bool = False
    """The contested judge's verdict on the request (agent.nodes.judge): P(contested) >= the
    profile's value_conflict threshold."""
    value_score: float = 0.0
    """P(contested), the contested judge's probability."""
    written: list[dict[str, str]] = field(default_factory=list)
    """Each text the move wrote from a sample (the answer, the guess, each perspective)
    with its finish_reason: "stop" = the model ended it, "length" = the answer cap."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able; `uncertainty` is the report's own to_dict()."""
        return {
            "kind": self.kind,
            "text": self.text,
            "thread_id": self.thread_id,
            "route_reason": self.route_reason,
            "uncertainty": self.uncertainty.to_dict() if self.uncertainty else None,
            "options": list(self.options),
            "perspectives": [asdict(p) for p in self.perspectives],
            "clusters": [asdict(c) for c in self.clusters],
            "confidence": self.confidence,
            "context": self.context,
            "seconds": round(self.seconds, 3),
            "value_laden": self.value_laden,
            "value_score": self.value_score,
            "written": [dict(w) for w in self.written],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reply:
        report = UncertaintyReport.from_dict(d["uncertainty"]) if d.get("uncertainty") else None
        return cls(
            kind=d["kind"],
            text=d["text"],
            thread_id=d.get("thread_id", ""),
            route_reason=d.get("route_reason", ""),
            uncertainty=report,
            options=list(d.get("options") or []),
            perspectives=[PerspectiveView(**p) for p in d.get("perspectives") or []],
            clusters=list(report.clusters) if report else [],
            confidence=d.get("confidence"),
            context=d.get("context", "general"),
            seconds=float(d.get("seconds") or 0.0),
            value_laden=bool(d.get("value_laden", False)),
            value_score=float(d.get("value_score") or 0.0),
            written=[dict(w) for w in d.get("written") or []],
        )


@dataclass
class TurnEvent:
    node: str
    message: str
    reply: Reply | None = None


@dataclass
class AnswerText(TurnEvent):
    """The text of the answer (hedge guess, perspective) being written, so far: a UI
    shows it as it grows. The Reply that follows holds the final text."""

    text: str = ""

"""Real result objects (Reply, UncertaintyReport, Cluster) built with chosen numbers, for
tests of the layers above the agent (UI, eval) that need no model."""

from __future__ import annotations

from agent.reply import Reply
from uncertainty import COMPONENT_NAMES, Cluster, Component, UncertaintyReport


def cluster(cid: int, probability: float, members: list[str]) -> Cluster:
    return Cluster(cid, members[0], members, probability)


def report(
    vector: dict[str, float], differing: list[str] | None = None, clusters: list[Cluster] = ()
) -> UncertaintyReport:
    """An UncertaintyReport with these component values (0 for the others)."""
    comps = {
        name: Component(name, vector.get(name, 0.0), vector.get(name, 0.0), "test")
        for name in COMPONENT_NAMES
    }
    return UncertaintyReport(
        **comps,
        clusters=list(clusters),
        differing_readings=list(differing or []),
        n_samples=sum(len(c.members) for c in clusters) or 4,
    )


def reply(kind, text, thread_id, vector, *, differing=None, clusters=(), **fields) -> Reply:
    """A Reply whose report has `vector` and `clusters` (route_reason 'test' by default)."""
    fields.setdefault("route_reason", "test")
    return Reply(
        kind,
        text,
        thread_id,
        uncertainty=report(vector, differing, clusters),
        clusters=list(clusters),
        **fields,
    )

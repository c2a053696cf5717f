"""One line per node for streaming UIs: what the node just did, in plain words."""

from __future__ import annotations

COMPONENTS = ("semantic_entropy", "epistemic", "ambiguity", "value_conflict")


def describe(node: str, update: dict) -> str:
    if node == "begin":
        return "Reading the message"
    if node == "interpret":
        if update.get("value_laden"):
            return (
                f"Value-laden question (score {update.get('value_score', 0):.2f}): "
                f"voicing {len(update.get('perspectives') or [])} perspectives"
            )
        n = len(update.get("readings") or [])
        return f"Found {n} reading{'s' if n != 1 else ''} of the request"
    if node == "probe":
        found = update.get("probe") or {}
        if found.get("sample"):
            return f"Sampling needed: {found.get('reason', '')}"
        return "Greedy answer is confident: no sampling"
    if node == "sample":
        return f"Sampled {len(update.get('answers') or [])} answers"
    if node == "estimate":
        report = update.get("report") or {}
        parts = [f"{c} {report[c]['value']:.2f}" for c in COMPONENTS if c in report]
        return "Uncertainty: " + ", ".join(parts)
    if node == "route":
        route = update.get("route") or {}
        return f"Move: {route.get('move')} ({route.get('reason', '')})"
    if node == "await_reply":
        return "Clarification received"
    reply = update.get("reply") or {}
    return f"Reply ready: {reply.get('kind', node)}"

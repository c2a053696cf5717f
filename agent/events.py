"""One line per node for streaming UIs: what the node just did, in plain words."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.state import State


def describe(node: str, update: State) -> str:
    if node == "begin":
        return "Reading the message"
    if node == "judge":
        return "Judges: " + ", ".join(
            f"{e.component} {e.probability:.2f} ({e.probe})" for e in update.get("judgments") or []
        )
    if node == "interpret":
        if update.get("perspectives"):
            return f"Value-laden question: voicing {len(update['perspectives'])} perspectives"
        n = len(update.get("readings") or [])
        return f"Found {n} reading{'s' if n != 1 else ''} of the request"
    if node == "probe":
        found = update.get("probe")
        if found is not None and found.sample:
            return f"Sampling needed: {found.reason}"
        move = found.move if found is not None else "answer"
        return f"Greedy answer, no sampling: the judges' move is {move}"
    if node == "sample":
        return f"Sampled {len(update.get('answers') or [])} answers"
    if node == "estimate":
        report = update.get("report")
        vector = report.vector() if report is not None else {}
        return "Uncertainty: " + ", ".join(f"{c} {v:.2f}" for c, v in vector.items())
    if node == "route":
        route = update.get("route")
        return f"Move: {route.move} ({route.reason})" if route else "Move: none"
    if node == "await_reply":
        return "Clarification received"
    reply = update.get("reply")
    return f"Reply ready: {reply.kind if reply else node}"

"""route and the four moves: answer, hedge, perspectives, clarify (+ waiting for the reply).

The text comes from the samples already drawn, finished where the sampling budget cut
it (agent.nodes.complete: the sample is continued to where the model ends it). `answer` gives
the representative of the largest meaning-cluster. `hedge` wraps that best guess in
prompts/hedge.txt with its share when it holds a majority of the samples (> 50 %), and
says it does not know (prompts/hedge_unknown.txt) when no meaning does: a guess that most of
the model's own samples contradict is not worth showing. `perspectives` shows each
voiced perspective's modal position, its reasoning and its cluster's share of all
samples, and adds no verdict. `clarify` asks with the readings whose answers differ as
options, then `await_reply` waits (LangGraph interrupt) and folds the reply into the
request before the graph goes back to interpret.
"""

from __future__ import annotations

import re

from langgraph.types import interrupt

from agent.nodes.complete import completed
from agent.policy import route
from agent.runtime import Runtime
from agent.templates import render

MAJORITY = 0.5
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def route_node(state: dict, rt: Runtime) -> dict:
    report = state["report"]
    vector = {
        name: report[name]["value"]
        for name in ("semantic_entropy", "epistemic", "ambiguity", "value_conflict")
    }
    decision = route(
        vector,
        rt.profile,
        clarify_rounds=state.get("clarify_rounds", 0),
        value_laden=bool(state.get("value_laden")),
        has_options=len(report.get("differing_readings") or []) >= 2,
    )
    triggers = {k: [float(v), float(t)] for k, (v, t) in decision.triggers.items()}
    return {"route": {"move": decision.move, "reason": decision.reason, "triggers": triggers}}


def next_move(state: dict) -> str:
    return state["route"]["move"]


def _reply(state: dict, rt: Runtime, kind: str, text: str, **extra) -> dict:
    reply = {
        "kind": kind,
        "text": text,
        "route_reason": state["route"]["reason"],
        "uncertainty": state["report"],
        "options": [],
        "perspectives": [],
        "confidence": None,
        "context": rt.profile.name,
        "written": [],
        **extra,
    }
    entry = {"role": "assistant", "content": text, "kind": kind}
    return {"reply": reply, "history": [*state.get("turn_log", []), entry], "turn_log": []}


def _top(state: dict) -> tuple[str, float]:
    clusters = state["report"].get("clusters") or []
    if not clusters:
        return "", 0.0
    return clusters[0]["representative"], float(clusters[0]["probability"])


def answer(state: dict, rt: Runtime) -> dict:
    text, share = _top(state)
    if not text:
        return _reply(state, rt, "answer", render("hedge_unknown"), confidence=0.0)
    text, finish = completed(state, rt, text, "answer")
    written = [{"text": text, "finish_reason": finish}]
    return _reply(state, rt, "answer", text, confidence=share, written=written)


def hedge(state: dict, rt: Runtime) -> dict:
    text, share = _top(state)
    if share > MAJORITY and text:
        guess, finish = completed(state, rt, text, "hedge")
        body = render("hedge", guess=guess, confidence=f"{share:.0%}")
        written = [{"text": guess, "finish_reason": finish}]
    else:
        body, written = render("hedge_unknown"), []
    return _reply(state, rt, "hedge", body, confidence=share, written=written)


def perspectives(state: dict, rt: Runtime) -> dict:
    views = perspective_views(state, rt)
    lines = [
        f"**{v['name']}** ({v['share']:.0%} of samples): {v['position']}"
        + (f" {v['reasoning']}" if v["reasoning"] else "")
        for v in views
    ]
    text = "\n\n".join([render("perspectives_intro"), *lines])
    written = [{"text": v.pop("text"), "finish_reason": v.pop("finish_reason")} for v in views]
    return _reply(state, rt, "perspectives", text, perspectives=views, written=written)


def perspective_views(state: dict, rt: Runtime) -> list[dict]:
    """One view per voiced perspective: its modal cluster's answer, split into
    position (first sentence) and reasoning (the rest)."""
    clusters = state["report"].get("clusters") or []
    registry = rt.registry
    views = []
    for pid in state.get("perspectives") or []:
        counts = [c.get("labels", {}).get("perspective", {}).get(pid, 0) for c in clusters]
        if not counts or max(counts) == 0:
            continue
        cluster = clusters[counts.index(max(counts))]  # ties: the larger cluster (listed first)
        own = [a["text"] for a in state["answers"] if a["perspective"] == pid]
        members = set(cluster.get("members") or [])
        text = next((t for t in own if t in members), cluster["representative"])
        text, finish = completed(state, rt, text, "perspectives")
        position, reasoning = _split(text)
        name = registry[pid].name if pid in registry else pid
        views.append(
            {
                "id": pid,
                "name": name,
                "position": position,
                "reasoning": reasoning,
                "share": float(cluster["probability"]),
                "text": text,  # moved to the reply's `written` by perspectives()
                "finish_reason": finish,
            }
        )
    return views


def _split(text: str) -> tuple[str, str]:
    parts = _SENTENCE_END.split(text.strip(), maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def clarify(state: dict, rt: Runtime) -> dict:
    options = list(state["report"].get("differing_readings") or [])[: rt.config.readings]
    listed = "\n".join(f"{i}. {option}" for i, option in enumerate(options, 1))
    text = render("clarify", options=listed)
    return _reply(state, rt, "clarify", text, options=options)


def await_reply(state: dict, rt: Runtime) -> dict:
    """Wait for the user's reply to the clarifying question, then fold it in."""
    options = state["reply"].get("options") or []
    value = interrupt({"question": state["reply"]["text"], "options": options})
    reply = str(value).strip()
    return {
        "request": fold_reply(state["request"], reply, options),
        "clarify_rounds": state.get("clarify_rounds", 0) + 1,
        "turn_log": [{"role": "user", "content": reply, "kind": "clarify_reply"}],
    }


def fold_reply(request: str, reply: str, options: list[str]) -> str:
    """A chosen option (its number or its text) replaces the request; free text is
    added to it (prompts/clarified.txt)."""
    if reply.isdigit() and 1 <= int(reply) <= len(options):
        return options[int(reply) - 1]
    for option in options:
        if reply.casefold() == option.casefold():
            return option
    return render("clarified", request=request, reply=reply)

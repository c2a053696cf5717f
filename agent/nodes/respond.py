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

import logging
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agent.context import Context
from agent.errors import ClarionError, InvalidInputError
from agent.nodes.complete import completed
from agent.policy import Move, Route, route
from agent.reply import PerspectiveView, Reply
from agent.state import HistoryEntry, State, as_reply
from agent.templates import fold, render
from uncertainty import UncertaintyReport
from uncertainty.positions import split_position

log = logging.getLogger(__name__)

MAJORITY = 0.5


def _report(state: State) -> UncertaintyReport:
    report = state.get("report")
    assert report is not None, "estimate runs before every move"
    return report


def _route(state: State) -> Route:
    decision = state.get("route")
    assert decision is not None, "route runs before every move"
    return decision


def route_node(state: State, runtime: Runtime[Context]) -> State:
    report = _report(state)
    decision = route(
        report.vector(),
        runtime.context.resources.profile,
        clarify_rounds=state.get("clarify_rounds", 0),
        value_laden=bool(state.get("value_laden")),
        has_options=len(report.differing_readings) >= 2,
    )
    return {"route": decision}


def next_move(state: State) -> Move:
    """The router after `route`: the move's node."""
    return _route(state).move


def _reply(state: State, ctx: Context, kind: Move, text: str, **extra: Any) -> State:
    report = _report(state)
    reply = Reply(
        kind=kind,
        text=text,
        thread_id="",  # the Agent knows the thread and the time; nodes do not
        route_reason=_route(state).reason,
        uncertainty=report,
        clusters=list(report.clusters),
        context=ctx.resources.profile.name,
        value_laden=bool(state.get("value_laden", False)),
        value_score=float(state.get("value_score", 0.0)),
        **extra,
    )
    entry: HistoryEntry = {"role": "assistant", "content": text, "kind": kind}
    return {"reply": reply, "history": [*state.get("turn_log", []), entry], "turn_log": []}


def _top(state: State) -> tuple[str, float]:
    clusters = _report(state).clusters
    if not clusters:
        return "", 0.0
    return clusters[0].representative, float(clusters[0].probability)


def answer(state: State, runtime: Runtime[Context]) -> State:
    text, share = _top(state)
    if not text:
        return _reply(state, runtime.context, "answer", render("hedge_unknown"), confidence=0.0)
    text, finish = completed(state, runtime.context, text, "answer")
    written = [{"text": text, "finish_reason": finish}]
    return _reply(state, runtime.context, "answer", text, confidence=share, written=written)


def hedge(state: State, runtime: Runtime[Context]) -> State:
    text, share = _top(state)
    if share > MAJORITY and text:
        guess, finish = completed(state, runtime.context, text, "hedge")
        body = render("hedge", guess=guess, confidence=f"{share:.0%}")
        written = [{"text": guess, "finish_reason": finish}]
    else:
        body, written = render("hedge_unknown"), []
    return _reply(state, runtime.context, "hedge", body, confidence=share, written=written)


def perspectives(state: State, runtime: Runtime[Context]) -> State:
    written_views = perspective_views(state, runtime.context)
    views = [view for view, _ in written_views]
    written = [w for _, w in written_views]
    shares = group_distributions(state, runtime.context, [v.id for v in views])
    for v in views:
        v.distribution = shares.get(v.id)
    lines = [
        f"{v.name} ({_shares(v)}): {v.position}" + (f" {v.reasoning}" if v.reasoning else "")
        for v in views
    ]
    text = "\n\n".join([render("perspectives_intro"), *lines])
    return _reply(state, runtime.context, "perspectives", text, perspectives=views, written=written)


def _shares(view: PerspectiveView) -> str:
    if view.distribution:
        listed = ", ".join(f"{o} {p:.0%}" for o, p in view.distribution.items())
        return f"culture adapter: {listed}"
    return f"{view.share:.0%} of samples"


def group_distributions(state: State, ctx: Context, pids: list[str]) -> dict[str, dict[str, float]]:
    """perspective id -> its group's shares over the request's options, from the culture
    adapters in one batched call; {} when the request lists no options, no voiced
    perspective names a group, or the adapters are absent or fail (logged)."""
    from agent.cultures import parse_options

    parsed = parse_options(state["request"])
    registry = ctx.resources.registry
    groups = {p: g for p in pids if p in registry and (g := registry[p].group)}
    cultures = ctx.resources.cultures if parsed and groups else None
    if cultures is None or parsed is None:
        return {}
    question, options = parsed
    try:
        dists = cultures.distributions(question, options, sorted(set(groups.values())))
    except (ClarionError, OSError, RuntimeError, ValueError, KeyError) as exc:
        log.warning("culture adapters failed; shares from the samples instead: %s", exc)
        return {}
    return {
        p: {o: float(x) for o, x in zip(options, dists[g], strict=True)}
        for p, g in groups.items()
        if g in dists
    }


def perspective_views(state: State, ctx: Context) -> list[tuple[PerspectiveView, dict[str, str]]]:
    """One view per voiced perspective: its modal cluster's answer (completed), split into
    position (first sentence) and reasoning (the rest); with the text as written and its
    finish reason (for Reply.written)."""
    clusters = _report(state).clusters
    registry = ctx.resources.registry
    views: list[tuple[PerspectiveView, dict[str, str]]] = []
    for pid in state.get("perspectives") or []:
        counts = [c.labels.get("perspective", {}).get(pid, 0) for c in clusters]
        if not counts or max(counts) == 0:
            continue
        cluster = clusters[counts.index(max(counts))]  # ties: the larger cluster (listed first)
        own = [a.text for a in state["answers"] if a.perspective == pid]
        members = set(cluster.members)
        text = next((t for t in own if t in members), cluster.representative)
        text, finish = completed(state, ctx, text, "perspectives")
        position, reasoning = split_position(text)
        name = registry[pid].name if pid in registry else pid
        view = PerspectiveView(pid, name, position, reasoning, float(cluster.probability))
        views.append((view, {"text": text, "finish_reason": finish}))
    return views


def clarify(state: State, runtime: Runtime[Context]) -> State:
    ctx = runtime.context
    options = list(_report(state).differing_readings)[: ctx.config.readings]
    question = ctx.resources.question_writer.question(state["request"], options)
    if options:
        listed = "\n".join(f"{i}. {option}" for i, option in enumerate(options, 1))
        text = render("clarify", question=question.text, options=listed)
    else:  # nothing to pick from: an open question, the typed reply resumes the thread
        text = question.text
    return _reply(state, ctx, "clarify", text, options=options)


def await_reply(state: State) -> State:
    """Wait for the user's reply to the clarifying question, then fold it in."""
    asked = as_reply(state.get("reply"))
    assert asked is not None, "clarify runs before await_reply"
    from agent.inputs import validate_message

    question = {"question": asked.text, "options": asked.options}
    while True:  # a reply that is not usable text (from Studio: any JSON) asks again
        try:
            reply = validate_message(interrupt(question))
            break
        except InvalidInputError as exc:
            question = {**question, "error": str(exc)}
    return {
        "request": fold_reply(state["request"], reply, asked.options),
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
    return fold(request, reply)

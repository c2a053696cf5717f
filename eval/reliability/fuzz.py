"""Bad input: a property-based fuzz (hypothesis, seeded) of every entry point.

Here: the counting (Tally, drive) and the Python entry points (the Agent, the Studio
graph, thread tokens); eval.reliability.fuzz_front: what people reach (the page's event
handlers with the proposal form, the CLI, the HTTP API). All on the scripted model
(eval.reliability.world) with the real embedder, store and graph. An outcome is counted as
- a crash: an exception escaped an entry point that must answer (anything but a
  ClarionError from the Agent or the graph; anything at all from a UI handler or the CLI);
- a traceback shown: text a person sees holds a traceback, a source path or a raw
  exception name;
- an unclear error: a refusal whose message is empty or names internals;
- history changed: a refused input altered the stored conversation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from unittest import mock

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from agent.errors import ClarionError
from eval.reliability.inputs import texts, tokens, values

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

    from agent import Agent
    from agent.context import Resources

T = TypeVar("T")

INTERNALS = re.compile(
    r"Traceback \(most recent|File \"|site-packages|\.py\b|\b(?:sqlite3|OperationalError|"
    r"KeyError|TypeError|ValueError|AttributeError|RuntimeError|AssertionError|IndexError)\b"
)


@dataclass
class Tally:
    inputs: int = 0
    crashes: int = 0
    tracebacks_shown: int = 0
    unclear_errors: int = 0
    history_changed: int = 0
    refused: int = 0
    per_target: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def note(self, kind: str, target: str, value: object, detail: object) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples) < 8:
            self.examples.append(f"{kind} in {target} for {value!r:.60}: {detail!s:.200}")

    def shown(self, target: str, value: object, text: object, *, error: bool) -> None:
        """Check a text a person sees."""
        text = "" if text is None else str(text)
        if "Traceback" in text or 'File "' in text:
            self.note("tracebacks_shown", target, value, text)
        elif error and (len(text.strip()) < 8 or INTERNALS.search(text)):
            self.note("unclear_errors", target, value, text)
        if error:
            self.refused += 1

    def summary(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "crashes": self.crashes,
            "tracebacks_shown": self.tracebacks_shown,
            "unclear_errors": self.unclear_errors,
            "history_changed": self.history_changed,
            "refused": self.refused,
            "per_target": self.per_target,
            "examples": self.examples,
        }


def drive(
    tally: Tally, target: str, strategy: st.SearchStrategy[T], n: int, body: Callable[[T], None]
) -> None:
    """Run `body(value)` on n seeded draws; whatever it raises is a crash."""

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(value: T) -> None:
        tally.inputs += 1
        tally.per_target[target] = tally.per_target.get(target, 0) + 1
        try:
            body(value)
        except Exception as exc:  # noqa: BLE001 -- the very thing being counted
            tally.note("crashes", target, value, f"{type(exc).__name__}: {exc}")

    run()


class Rotating:
    """A fresh thread every `every` uses, so a fuzzed thread stays short."""

    def __init__(self, make: Callable[[], str], every: int = 25):
        self.make, self.every, self.used, self.current = make, every, 0, ""

    def __call__(self) -> str:
        if self.used % self.every == 0:
            self.current = self.make()
        self.used += 1
        return self.current


def fuzz_agent(tally: Tally, agent: Agent, n: int) -> None:
    from eval.reliability.world import AMBIGUOUS

    thread = Rotating(lambda: agent.chat("What is the capital of France?").thread_id)

    def chat(message: str) -> None:
        t = thread()
        before = agent.history(t)
        try:
            agent.chat(message, t)
        except ClarionError as exc:
            tally.shown("agent.chat", message, exc, error=True)
            if agent.history(t) != before:
                tally.note("history_changed", "agent.chat", message, "after a refusal")

    def on_thread(thread_id: Any) -> None:
        try:
            agent.history(thread_id)
            agent.pending(thread_id)
            agent.chat("What is the capital of France?", thread_id)
        except ClarionError as exc:
            tally.shown("agent.thread_id", thread_id, exc, error=True)

    def resume(reply: str) -> None:
        asked = agent.chat(AMBIGUOUS + "?")
        if asked.kind != "clarify":  # nothing to resume: this draw tests nothing
            return
        before = agent.history(asked.thread_id)
        try:
            agent.resume(asked.thread_id, reply)
        except ClarionError as exc:
            tally.shown("agent.resume", reply, exc, error=True)
            if agent.history(asked.thread_id) != before or agent.pending(asked.thread_id) is None:
                tally.note("history_changed", "agent.resume", reply, "the clarify was lost")

    drive(tally, "agent.chat", texts(), n, chat)
    drive(tally, "agent.thread_id", values(), max(1, n // 4), on_thread)
    drive(tally, "agent.resume", texts(), max(1, n // 4), resume)


def fuzz_studio(tally: Tally, resources: Resources, n: int) -> None:
    """The LangGraph Studio entry (agent.graph), as `langgraph dev` calls it: no Agent,
    no run-time context (so the graph's own guards apply), any JSON as input or resume
    value. `resources` (the scripted model) stands in for the default ones."""
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.types import Command

    import agent.graph
    from agent.inputs import validate_message
    from agent.store import serializer
    from eval.reliability.world import AMBIGUOUS

    graph = agent.graph.build_graph(InMemorySaver(serde=serializer()))  # Studio brings its own
    counter = iter(range(10**9))

    def config() -> RunnableConfig:
        return {"configurable": {"thread_id": f"studio-{next(counter)}"}}

    inputs = st.one_of(
        texts().map(lambda m: {"message": m}),
        st.dictionaries(
            st.sampled_from(["message", "history", "reply", "turn_log", "request", "x"]),
            values(),
            max_size=3,
        ),
    )  # (a value that is not a mapping never reaches the graph: Studio's server refuses it)

    def invoke(graph_input: Any) -> None:
        cfg = config()
        try:
            graph.invoke(graph_input, cfg)
        except ClarionError as exc:
            tally.shown("studio.invoke", graph_input, exc, error=True)
            history = graph.get_state(cfg).values.get("history")
            if history:
                tally.note("history_changed", "studio.invoke", graph_input, history)
            return
        extra = isinstance(graph_input, dict) and set(graph_input) - {"message"}
        history = graph.get_state(cfg).values.get("history") or []
        if extra and len(history) > 2:  # one turn adds two entries; more were injected
            tally.note("history_changed", "studio.invoke", graph_input, history)

    def resume(reply: Any) -> None:
        cfg = config()
        graph.invoke({"message": AMBIGUOUS + "?"}, cfg)
        before = graph.get_state(cfg)
        if not before.next:  # it did not clarify: nothing to resume
            return
        try:
            validate_message(reply)
            usable = True
        except ClarionError:
            usable = False
        try:
            graph.invoke(Command(resume=reply), cfg)
            refusal = None
        except ClarionError as exc:
            refusal = str(exc)
        after = graph.get_state(cfg)
        if usable:
            return
        if refusal is None:  # the question is asked again, with why the reply was refused
            refusal = after.interrupts[0].value.get("error") if after.interrupts else ""
        tally.shown("studio.resume", reply, refusal, error=True)
        if after.values.get("history") != before.values.get("history") or not after.next:
            tally.note("history_changed", "studio.resume", reply, "answered by unusable text")

    with mock.patch("agent.context.default_resources", lambda: resources):
        drive(tally, "studio.invoke", inputs, n, invoke)
        drive(tally, "studio.resume", values(), max(1, n // 3), resume)


def fuzz_tokens(tally: Tally, n: int) -> None:
    from agent.sessions import ThreadTokens

    signer = ThreadTokens(b"k" * 32)

    def verify(token: Any) -> None:
        if signer.verify(token) is not None:
            tally.note("crashes", "tokens.verify", token, "a token nobody issued verified")

    drive(tally, "tokens.verify", tokens(), n, verify)

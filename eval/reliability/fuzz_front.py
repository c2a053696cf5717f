"""Bad input where people reach Clarion: the page's event handlers (ClarionUI over a
real Agent, the proposal form included), the command line, and the app's HTTP API.
Counted as eval.reliability.fuzz says."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

from hypothesis import strategies as st

from eval.reliability.fuzz import Rotating, Tally, drive
from eval.reliability.inputs import texts, tokens, values

if TYPE_CHECKING:
    from agent.llm.base import LLMBackend
    from eval.reliability.client import Reply
    from eval.reliability.server import AppProcess
    from ui import ClarionUI
    from uncertainty import TextEmbedder


def _bubble_text(update: dict[object, object]) -> str:
    return " ".join(str(v) for v in update.values() if isinstance(v, str | list))


def fuzz_ui(tally: Tally, ui: ClarionUI, n: int) -> None:
    """ClarionUI's event handlers, called with what a browser (or a forger) can send."""
    from agent.perspectives import load_registry
    from ui.render import ERROR_MARK

    agent = ui.agent
    session = ui.new_session()
    thread = Rotating(lambda: agent.chat("What is the capital of France?").thread_id)

    def turn(value: tuple[str, Any]) -> None:
        message, history = value
        t = thread()
        before = agent.history(t)
        final: dict[object, object] = {}
        for update in ui.on_turn(message, history, t, session):
            final.update(update)
        text = _bubble_text(final)
        refused = ERROR_MARK in text or agent.history(t) == before
        tally.shown("ui.turn", message, text if refused else "", error=refused)
        if refused and agent.history(t) != before:
            tally.note("history_changed", "ui.turn", message, "after a refusal")

    def voiced() -> set[str]:
        return {p.id for p in load_registry(ui.perspectives_file)}

    def propose(fields: tuple[Any, ...]) -> None:
        before = voiced()
        pid, name, description, prompt, contributor, source, tags = fields
        text = ui.on_propose(pid, name, description, prompt, contributor, source, tags, session)
        tally.shown("ui.propose", fields, text, error="⚠️" in str(text))
        if voiced() != before:
            tally.note("history_changed", "ui.propose", fields, "a proposal was voiced")

    def feedback(fields: tuple[Any, Any]) -> None:
        out = ui.on_feedback(*fields, thread(), session)
        tally.shown("ui.feedback", fields, _bubble_text(out), error="⚠️" in _bubble_text(out))

    def load(token: Any) -> None:
        out = ui.on_load(token, token, None)
        tally.shown("ui.load", token, _bubble_text(out), error=False)

    def settings_(fields: tuple[Any, Any, Any]) -> None:
        out = ui.on_settings(*fields, session)
        text = _bubble_text(out) if isinstance(out, dict) else out
        tally.shown("ui.settings", fields, text, error="⚠️" in str(text))

    history = st.one_of(st.none(), st.just([]), st.lists(values(), max_size=3), values())
    drive(tally, "ui.turn", st.tuples(texts(), history), n, turn)
    drive(tally, "ui.propose", st.tuples(*[values()] * 7), n, propose)
    drive(tally, "ui.feedback", st.tuples(values(), values()), max(1, n // 2), feedback)
    drive(tally, "ui.load", tokens(), max(1, n // 2), load)
    drive(tally, "ui.settings", st.tuples(values(), values(), values()), max(1, n // 2), settings_)


def fuzz_cli(
    tally: Tally, folder: Path, backend: LLMBackend, embedder: TextEmbedder, n: int
) -> None:
    """`python -m agent ...` in process (the scripted model patched in for the real one)."""
    from agent.cli import main

    db = ["--db", str(folder / "cli.sqlite")]

    def run(argv: list[str]) -> None:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse refusing a flag
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        text = out.getvalue() + err.getvalue()
        if code not in (0, 2):
            tally.note("crashes", "cli", argv, f"exit {code}: {text[-200:]}")
        tally.shown("cli", argv, err.getvalue(), error=code != 0)

    commands = st.one_of(
        texts().map(lambda m: ["ask", m, *db]),
        texts().map(lambda m: ["sample", m, *db]),
        st.tuples(texts(), texts()).map(lambda a: ["ask", a[0], "--thread", a[1], *db]),
        texts().map(
            lambda m: ["perspectives", "accept", m, *db, "--data-dir", str(folder / "data")]
        ),
        st.lists(texts(), max_size=4).map(lambda a: ["ask", "hi", *db, *a]),
    )
    with (
        mock.patch("agent.llm.load_backend", lambda *a, **k: backend),
        mock.patch("uncertainty.Embedder", lambda *a, **k: embedder),
    ):
        drive(tally, "cli", commands, n, lambda argv: run([a for a in argv if "\x00" not in a]))


def fuzz_http(tally: Tally, server: AppProcess, n: int) -> None:
    from eval.reliability.attacks import config, dependency_index, raw_call
    from eval.reliability.client import Person
    from eval.reliability.faults import _store

    events = config(server.url)
    person = Person(server.url)
    person.ask("What is the capital of France?")
    thread = person.token.rpartition(".")[0]
    store = _store(server)

    def call(target: str, event: str, send: Callable[[], Reply], data: list[Any]) -> Reply | None:
        """`send()` through gradio_client; what it cannot encode (lone surrogates) goes as
        JSON escapes through the queue protocol, so the server, not the client, is tested.
        None: the request got no reply to check (refused outright, or a crash, noted)."""
        try:
            return send()
        except UnicodeEncodeError:
            out = raw_call(server.url, dependency_index(events, event)[0], [*data, None])
        except Exception as exc:  # noqa: BLE001 -- the server failed to answer
            tally.note("crashes", target, data, f"{type(exc).__name__}: {exc}")
            return None
        output = out.get("output") or {}
        if "refused_by" in out:  # the server refused the request itself: not a crash
            tally.refused += 1
        elif not out.get("success"):
            tally.note("crashes", target, data, output.get("error") or out)
        else:
            reply: Reply = (output.get("data") or [{}])[0]
            return reply
        return None

    def ask(value: tuple[Any, Any]) -> None:
        message, token = value
        before = store.history(thread)
        reply = call("api./ask", "ask", lambda: person.ask(message, token=token), [*value])
        if reply is None:
            return
        error = "error" in reply
        tally.shown("api./ask", value, reply.get("error") or reply.get("text"), error=error)
        if error and store.history(thread) != before:
            tally.note("history_changed", "api./ask", value, "after a refusal")

    def feedback(value: tuple[Any, Any]) -> None:
        reply = call("api./feedback", "feedback", lambda: person.feedback(*value), [*value])
        if reply is not None:
            tally.shown("api./feedback", value, reply.get("error"), error="error" in reply)

    token = st.one_of(st.just(None), tokens())
    try:
        drive(tally, "api./ask", st.tuples(values(), token), n, ask)
        drive(tally, "api./feedback", st.tuples(values(), values()), max(1, n // 3), feedback)
    finally:
        person.close()
        store.close()

"""ClarionUI: binds one Agent to the widgets of one Blocks app. Chat events here (load,
new conversation, a turn, settings, the `ask` API); participation events in
ui.participation. Errors become chat messages; the conversation is never changed by one."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import gradio as gr

from agent.errors import ClarionError, ThreadError
from agent.sessions import ThreadTokens
from ui.participation import ParticipationEvents, Updates
from ui.render import (
    clusters_markdown,
    error_html,
    history_html,
    option_updates,
    panel_header_md,
    progress_html,
    reply_html,
    safe_text,
    uncertainty_figure,
)
from ui.sessions import NO_SESSION, Bounds, Session, Settings, session_ok
from uncertainty.judged import sampled_value

if TYPE_CHECKING:
    from agent import Agent
    from agent.participation import ParticipationStore
    from agent.profiles import ContextProfile
    from agent.reply import Reply

log = logging.getLogger("clarion.app")

GENERIC_ERROR = (
    "Something went wrong inside Clarion while answering. Your conversation is "
    "unchanged; please try again."
)
MSG_PLACEHOLDER = "Ask Clarion something…"


class ClarionUI(ParticipationEvents):
    """Binds one Agent (shared by all sessions) to the widgets of one Blocks app.

    Every event handler is private to the page (api_visibility="private") and also
    checks its caller: it acts only for a session the page's load event opened (a
    gr.State only the server writes), and only on that session's own thread and
    settings. Administration (accepting proposals) needs a logged-in admin (--auth).
    """

    def __init__(
        self,
        agent: Agent,
        participation: ParticipationStore,
        tokens: ThreadTokens,
        perspectives_file: Path,
        bounds: Bounds | None = None,
        admins: frozenset[str] = frozenset(),
    ):
        from agent.proposals import ProposalStore

        self.agent = agent
        self.participation = participation
        self.tokens = tokens
        self.perspectives_file = perspectives_file
        self.proposals = ProposalStore(participation.db, perspectives_file)
        self.bounds = bounds or Bounds([agent.config.context])
        self.admins = admins
        self.widgets = SimpleNamespace()  # filled by build_app: every component by name

    # -- sessions ---------------------------------------------------------------------

    def new_session(self, person: str | None = None) -> Session:
        """A person's session: who they are (a signed id kept by their browser) and the
        settings they chose (operator defaults until they change them)."""
        cfg = self.agent.config
        settings: Settings = {
            "context": cfg.context,
            "samples": min(cfg.samples, self.bounds.max_samples),
            "readings": min(cfg.readings, self.bounds.max_readings),
        }
        return {"person": person or self.agent.new_thread_id(), "settings": settings}

    def settings_of(self, session: Session) -> dict[str, object] | None:
        """The session's settings when they differ from the operator's defaults."""
        settings = session["settings"]
        cfg = self.agent.config
        same = all(settings.get(k) == getattr(cfg, k) for k in ("context", "samples", "readings"))
        return None if same else dict(settings)

    def profile_of(self, session: Session | None) -> ContextProfile:
        from agent.profiles import load_profile

        context = session["settings"]["context"] if session else None
        if not context or context == self.agent.config.context:
            return self.agent.profile
        return load_profile(context, data_dir=self.agent.config.data_dir)

    def attach(self, token: object) -> tuple[str, list[dict[str, str]], Reply | None, str | None]:
        """The browser's own thread (from its signed token) or a fresh one, with the
        message whose turn was cut off by a server stop, if any."""
        thread_id = self.tokens.verify(token)
        if thread_id is not None:
            try:
                return (
                    thread_id,
                    self.agent.history(thread_id),
                    self.agent.pending(thread_id),
                    self.agent.interrupted(thread_id),
                )
            except ClarionError as exc:
                log.info("cannot reattach thread: %s", exc)
        return self.agent.new_thread_id(), [], None, None

    def chat_messages(
        self, history: list[dict[str, Any]], pending: Reply | None
    ) -> list[dict[str, str]]:
        messages = []
        for turn in history:
            content = turn.get("content", "")
            if turn.get("role") == "assistant":
                content = history_html(turn.get("kind"), content)
                messages.append({"role": "assistant", "content": content})
            else:
                messages.append({"role": "user", "content": safe_text(content)})
        if pending is not None and messages and messages[-1]["role"] == "assistant":
            messages[-1]["content"] = reply_html(pending)  # full detail for the open question
        return messages

    # -- views of one reply -----------------------------------------------------------

    def views(self, reply: Reply | None, session: Session | None = None) -> Updates:
        """Every panel that depends on the latest reply (None = nothing yet)."""
        w = self.widgets
        report = reply.uncertainty if reply else None
        options = list(reply.options) if reply and reply.kind == "clarify" else []
        perspectives = list(reply.perspectives) if reply and reply.kind == "perspectives" else []
        updates = dict(zip(w.options, option_updates(options), strict=True))
        updates.update(
            {
                w.options_box: gr.Column(visible=bool(options)),
                w.plot: uncertainty_figure(
                    report.vector() if report else None,
                    self.profile_of(session).thresholds,
                    {
                        c.name: (c.estimator, c.unit, sampled_value(c))
                        for c in (report.components() if report else [])
                    },
                ),
                w.panel_header: panel_header_md(reply),
                w.clusters: clusters_markdown(
                    reply.clusters if reply else [], report.n_samples if report else None
                ),
                w.feedback_box: gr.Column(visible=bool(perspectives)),
                w.fb_choice: gr.Radio(choices=[(p.name, p.id) for p in perspectives], value=None),
                w.fb_missing: "",
                w.fb_status: "",
            }
        )
        return updates

    # -- events -----------------------------------------------------------------------

    def on_load(
        self, token: object, person_token: object, request: gr.Request | None = None
    ) -> Updates:
        """Open this page's session: its person (kept by the browser, signed) and its
        thread (reattached from the browser's signed token, or new)."""
        thread_id, history, pending, cut_off = self.attach(token)
        person = self.tokens.verify(person_token, label="person")
        session = self.new_session(person)
        w = self.widgets
        status = ""
        if cut_off is not None:
            status = (
                f"Your last message ({safe_text(cut_off[:120])}) was cut off when the server "
                "stopped, and got no reply. Your conversation up to it is kept: send it again."
            )
        return {
            w.session: session,
            w.thread: thread_id,
            w.browser: self.tokens.issue(thread_id),
            w.person: self.tokens.issue(session["person"], label="person"),
            w.chatbot: self.chat_messages(history, pending),
            w.status: status,
            **self.views(pending, session),
            # typing opens only now: a turn sent earlier would start a second thread
            w.msg: gr.Textbox(interactive=True, placeholder=MSG_PLACEHOLDER),
            w.send: gr.Button(interactive=True),
        }

    def on_new(self, session: object) -> Updates:
        w = self.widgets
        if not session_ok(session):
            return {w.status: NO_SESSION}
        thread_id = self.agent.new_thread_id()
        return {
            w.thread: thread_id,
            w.browser: self.tokens.issue(thread_id),
            w.chatbot: [],
            w.status: "",
            **self.views(None, session),
        }

    def on_turn(
        self, message: object, history: object, thread_id: object, session: object
    ) -> Iterator[Updates]:
        """One user turn (a new message, or the answer to a clarifying question), streamed:
        a progress bubble per graph node, then the reply and its panels. The turn itself
        runs to its end even if this page goes away (agent.Agent.stream)."""
        w = self.widgets
        if not session_ok(session) or not isinstance(thread_id, str):
            yield {w.status: NO_SESSION}
            return
        if not isinstance(message, str) or not message.strip():
            yield {w.status: "Type a message first."}
            return
        message = message.strip()
        if not isinstance(history, list) or not all(isinstance(m, dict) for m in history):
            history = self.chat_messages(self.agent.history(thread_id), None)
        history = [
            *history,
            {"role": "user", "content": safe_text(message)},
            {"role": "assistant", "content": progress_html("Reading your message…")},
        ]
        yield {
            w.chatbot: history,
            w.msg: "",
            w.status: "Working…",
            w.options_box: gr.Column(visible=False),
            w.feedback_box: gr.Column(visible=False),
        }
        from agent.reply import AnswerText

        try:
            reply = None  # on a thread waiting for a clarify reply, the message is that reply
            events = self.agent.stream(message, thread_id, settings=self.settings_of(session))
            for event in events:
                if event.reply is not None:
                    reply = event.reply
                    continue
                if isinstance(event, AnswerText):  # the answer as it is written
                    bubble = f'<div class="reply-text">{safe_text(event.text)}</div>'
                else:
                    bubble = progress_html(event.message)
                history[-1] = {"role": "assistant", "content": bubble}
                yield {w.chatbot: history, w.status: safe_text(event.message)}
            if reply is None:
                raise ThreadError("The agent finished without a reply.")
        except ClarionError as exc:
            history[-1] = {"role": "assistant", "content": error_html(str(exc))}
            yield {w.chatbot: history, w.status: ""}
            return
        except Exception:
            log.exception("turn failed")
            history[-1] = {"role": "assistant", "content": error_html(GENERIC_ERROR)}
            yield {w.chatbot: history, w.status: ""}
            return
        self.remember_shown(thread_id, reply)
        history[-1] = {"role": "assistant", "content": reply_html(reply)}
        status = f"Replied with *{reply.kind}* in {reply.seconds:.1f} s"
        yield {w.chatbot: history, w.status: status, **self.views(reply, session)}

    def on_settings(
        self, context: object, samples: object, readings: object, session: object
    ) -> tuple[Any, str]:
        """This person's settings, within the operator's bounds; nobody else's change."""
        if not session_ok(session):
            return gr.skip(), NO_SESSION
        try:
            settings = self.bounds.check(context, samples, readings)
        except ClarionError as exc:
            return gr.skip(), f"⚠️ Settings not applied: {safe_text(exc)}"
        session = {**session, "settings": settings}
        return session, (
            f"Applied to your conversations from the next turn: profile "
            f"**{safe_text(settings['context'])}**, {settings['samples']} samples, up to "
            f"{settings['readings']} readings."
        )

    # -- API (gradio_client) -----------------------------------------------------------

    def api_ask(
        self, message: object, token: object, thread_id: object
    ) -> tuple[dict[str, Any], Any]:
        """One turn for API clients: the session's thread, or the one `token` names (a
        token an earlier reply handed back: it survives a server restart)."""
        from agent.inputs import validate_message

        if token not in (None, ""):
            thread_id = self.tokens.verify(token)
            if thread_id is None:
                error = "That conversation token is not valid here; leave it empty to start anew."
                return {"error": error}, gr.skip()
        thread_id = thread_id if isinstance(thread_id, str) else self.agent.new_thread_id()
        try:
            cut_off = self.agent.interrupted(thread_id)
            reply = self.agent.chat(validate_message(message), thread_id)  # any JSON comes
        except ClarionError as exc:
            return {"error": str(exc)}, thread_id
        self.remember_shown(thread_id, reply)
        out = {**reply.to_dict(), "token": self.tokens.issue(thread_id)}
        if cut_off is not None:
            out["notice"] = (
                f"Your message {cut_off[:120]!r} was cut off when the server stopped and got "
                "no reply; the conversation before it is kept."
            )
        return out, thread_id

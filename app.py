"""Clarion's chat UI (Gradio Blocks): a thin layer over `agent.Agent`.

The agent decides everything (which move, why, how sure); this file only shows it. It is
the one place that knows Gradio, so it reads top to bottom:

1. rendering  - Reply -> chat bubble HTML, uncertainty chart, cluster list (pure functions,
                unit-tested without a browser)
2. sessions   - each browser gets its own unguessable thread, kept as a signed token in
                the browser's localStorage so a reload or a server restart reattaches it
3. handlers   - what each control does: call the Agent, turn its answer into views,
                show errors as chat messages
4. layout     - build_app()
5. CLI        - main(): `python app.py --help`
"""

from __future__ import annotations

import argparse
import functools
import html
import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypedDict, TypeGuard

import gradio as gr
from matplotlib.figure import Figure

from agent.errors import ClarionError, InvalidInputError, ThreadError
from agent.llm import BACKEND_CHOICES
from agent.llm.loading import QUANTIZE_CHOICES
from agent.sessions import ThreadTokens, signing_key
from uncertainty.judged import sampled_value
from uncertainty.report import COMPONENT_NAMES, ComponentName

if TYPE_CHECKING:
    from agent import Agent
    from agent.participation import ParticipationStore
    from agent.profiles import ContextProfile
    from agent.reply import PerspectiveView, Reply
    from uncertainty import Cluster

log = logging.getLogger("clarion.app")

# --------------------------------------------------------------------------- 1. rendering

BADGES: dict[str, tuple[str, str]] = {  # move -> (badge label, one-line meaning)
    "answer": ("ANSWER", "the sampled answers agree"),
    "hedge": ("HEDGE", "the model itself is unsure"),
    "clarify": ("CLARIFY", "the request can be read in different ways"),
    "perspectives": ("PERSPECTIVES", "reasonable value positions disagree"),
}
MAX_OPTIONS = 8  # AgentConfig.readings is at most 8


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


# HTML's own characters and those Markdown gives meaning to (links, images, emphasis,
# headings, code, lists, tables), in one table: as numeric entities they look the same
# and mean nothing to either.
_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#+-.!|~:=/"})


def safe_text(text: Any) -> str:
    """Model or user text for a Markdown/HTML view: escaped for both, so no image loads
    and no link or raw HTML appears whatever the text holds; line breaks become <br>
    (never a blank line, so Markdown does not re-read the surrounding HTML)."""
    return "<br>".join(line.translate(_INERT) for line in str(text).splitlines())


def badge_html(kind: str) -> str:
    label, meaning = BADGES.get(kind, (kind.title(), ""))
    return f'<span class="move-badge move-{esc(kind)}" title="{esc(meaning)}">{esc(label)}</span>'


def perspective_cards_html(perspectives: Sequence[PerspectiveView]) -> str:
    """Side-by-side cards, one per perspective, no merged verdict."""
    cards = []
    for view in perspectives:
        cards.append(
            f'<div class="pv-card pv-{esc(view.id)}">'
            f'<div class="pv-head"><span class="pv-name">{safe_text(view.name)}</span>'
            f'<span class="pv-share">{view.share:.0%} of samples</span></div>'
            + (
                '<div class="pv-distribution">'
                + safe_text(
                    "answer shares (culture adapter): "
                    + ", ".join(f"{o} {p:.0%}" for o, p in view.distribution.items())
                )
                + "</div>"
                if view.distribution
                else ""
            )
            + f'<div class="pv-position">{safe_text(view.position)}</div>'
            f'<div class="pv-reasoning">{safe_text(view.reasoning)}</div></div>'
        )
    return f'<div class="pv-cards">{"".join(cards)}</div>'


def reply_html(reply: Reply) -> str:
    """The assistant's chat bubble: badge, route reason, then the text (escaped)."""
    meta = []
    if reply.confidence is not None and reply.kind in ("answer", "hedge"):
        meta.append(f"confidence {reply.confidence:.0%}")
    meta.append(f"profile {reply.context}")
    meta.append(f"{reply.seconds:.1f} s")
    parts = [
        f'<div class="reply-head">{badge_html(reply.kind)}'
        f'<span class="reply-meta">{esc(" · ".join(meta))}</span></div>',
        f'<div class="route-reason">{safe_text(reply.route_reason)}</div>',
        f'<div class="reply-text">{safe_text(reply.text or "")}</div>',
    ]
    if reply.kind == "perspectives" and reply.perspectives:
        parts.append(perspective_cards_html(reply.perspectives))
    return "".join(parts)


def history_html(kind: str | None, content: str) -> str:
    """A stored turn (after a reload): badge and text; details are not stored."""
    text = f'<div class="reply-text">{safe_text(content)}</div>'
    return f'<div class="reply-head">{badge_html(kind)}</div>{text}' if kind else text


ERROR_MARK = "move-error"


def error_html(message: str) -> str:
    return (
        f'<div class="reply-head"><span class="move-badge {ERROR_MARK}">ERROR</span></div>'
        f'<div class="reply-text">{safe_text(message)}</div>'
    )


def uncertainty_figure(
    vector: Mapping[ComponentName, float] | None,
    thresholds: Mapping[ComponentName, float],
    sources: dict[str, tuple[str, str, float | None]] | None = None,
) -> Figure:
    """The uncertainty vector as bars; each component's threshold as a black tick.
    A red bar crossed its threshold: that component can trigger a move. `sources` names,
    per component, the estimator behind the bar, its unit and the sampled estimate (drawn
    as a hollow diamond when a judge produced the bar)."""
    fig = Figure(figsize=(5.2, 2.5), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    vector = vector or {}
    values = [float(vector.get(name, 0.0)) for name in COMPONENT_NAMES]
    limits = [thresholds.get(name) for name in COMPONENT_NAMES]
    colors = [
        "#c0392b" if t is not None and v >= t else "#3b6fb6"
        for v, t in zip(values, limits, strict=True)
    ]
    # Entropies here rarely exceed ln(32); a threshold far beyond (a move switched off)
    # is drawn as an arrow at the edge instead of squashing the bars.
    top = max([1.0, *values, *(t for t in limits if t is not None and t <= 4.0)]) * 1.2
    rows = range(len(COMPONENT_NAMES))
    ax.barh(rows, values, color=colors, height=0.55)
    for row, (value, limit) in enumerate(zip(values, limits, strict=True)):
        ax.text(value, row, f" {value:.2f}", va="center", fontsize=8)
        if limit is not None and limit <= top:
            ax.plot([limit, limit], [row - 0.38, row + 0.38], color="black", lw=2.2)
        elif limit is not None:
            ax.text(
                top,
                row,
                f"threshold {limit:g} ▶",
                va="center",
                ha="right",
                fontsize=7,
                color="#555",
            )
    sources = sources or {}
    labels = []
    for row, name in enumerate(COMPONENT_NAMES):
        estimator, unit, sampled = sources.get(name, ("sampled", "nats", 0.0))
        labels.append(f"{name.replace('_', ' ')}\n{estimator}, {unit}")
        if estimator != "sampled" and sampled is not None:  # None: nothing was sampled
            ax.plot([min(sampled, top)], [row], marker="D", mfc="none", mec="#555", ms=5)
    ax.set_yticks(list(rows), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, top)
    ax.set_xlabel("black tick = profile threshold; ◇ = sampled estimate (nats)", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def clusters_markdown(clusters: Sequence[Cluster], n_samples: int | None = None) -> str:
    """Each meaning cluster: its share of the samples and every member answer."""
    if not clusters:
        if n_samples == 0:  # an unsampled turn: the judges and one greedy answer decided
            return "_Nothing was sampled for this turn: the judges and one greedy answer decided._"
        return "_No answers sampled yet._"
    count = f"{len(clusters)} meaning cluster{'s' if len(clusters) != 1 else ''}"
    lines = [count + (f" over {n_samples} samples" if n_samples else "") + ":", ""]
    for rank, cluster in enumerate(clusters, start=1):
        extra = ""
        if getattr(cluster, "likelihood_probability", None) is not None:
            extra = f", likelihood-weighted {cluster.likelihood_probability:.0%}"
        lines.append(
            f"**{rank}. {cluster.probability:.0%}**{extra} ({len(cluster.members)} answers)"
        )
        for member in cluster.members:
            lines.append(f"- {safe_text(' '.join(str(member).split()))}")
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- 2. sessions


# --------------------------------------------------------------------------- 3. handlers

GENERIC_ERROR = (
    "Something went wrong inside Clarion while answering. Your conversation is "
    "unchanged; please try again."
)


def progress_html(message: str) -> str:
    return f'<div class="turn-progress"><span class="spinner"></span>{safe_text(message)}</div>'


def panel_header_md(reply: Reply | None) -> str:
    if reply is None:
        return "_Send a message to see how sure Clarion is._"
    return f"{badge_html(reply.kind)} {safe_text(reply.route_reason)}"


def option_updates(options: list[str]) -> list[gr.Button]:
    shown = options[:MAX_OPTIONS]
    return [
        gr.Button(value=shown[i], visible=True)
        if i < len(shown)
        else gr.Button(value="", visible=False)
        for i in range(MAX_OPTIONS)
    ]


class Settings(TypedDict):
    """One person's choices (agent.api.PER_SESSION), within the operator's Bounds."""

    context: str
    samples: int
    readings: int


class Session(TypedDict):
    """A page's session (a gr.State only the server writes): who, and their settings."""

    person: str
    settings: Settings


class Bounds:
    """What a person may choose for their own session, set by the operator (CLI flags)."""

    def __init__(self, profiles: list[str], max_samples: int = 8, max_readings: int = 4):
        self.profiles = sorted(set(profiles))
        self.max_samples = max_samples
        self.max_readings = max_readings

    def check(self, context: object, samples: object, readings: object) -> Settings:
        """Settings within bounds, or InvalidInputError saying which one is not."""
        if not isinstance(context, str) or context not in self.profiles:
            raise InvalidInputError(f"Choose a context profile from the list: {self.profiles}.")
        return {
            "context": context,
            "samples": _whole("samples", samples, self.max_samples),
            "readings": _whole("readings", readings, self.max_readings),
        }


def _whole(name: str, value: object, top: int) -> int:
    """`value` as a whole number from 1 to `top` (a slider sends floats), or why not."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidInputError(f"{name}: give a whole number from 1 to {top}.")
    if not 1 <= value <= top or int(value) != value:
        raise InvalidInputError(f"{name}: give a whole number from 1 to {top}.")
    return int(value)


NO_SESSION = "This needs the Clarion page: reload it and try again."
Updates = dict[Any, Any]  # component (a ui.widgets attribute) -> its new value or gr update


class ClarionUI:
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

    @staticmethod
    def session_ok(session: object) -> TypeGuard[Session]:
        return isinstance(session, dict) and isinstance(session.get("person"), str)

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
        if not self.session_ok(session):
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
        if not self.session_ok(session) or not isinstance(thread_id, str):
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

    def remember_shown(self, thread_id: str, reply: Reply) -> None:
        """A perspectives reply takes one vote, for one of the views it showed."""
        if reply.kind == "perspectives" and reply.perspectives:
            self.participation.shown(thread_id, [p.id for p in reply.perspectives])

    def on_feedback(
        self, perspective_id: object, missing: object, thread_id: object, session: object
    ) -> Updates:
        w = self.widgets
        if not self.session_ok(session) or not isinstance(thread_id, str):
            return {w.fb_status: NO_SESSION}
        try:
            self.participation.record(thread_id, perspective_id, missing)
        except ClarionError as exc:
            return {w.fb_status: f"⚠️ {safe_text(exc)}"}
        return {
            w.fb_status: "Thank you: recorded. See the Representation tab.",
            w.fb_missing: "",
            **self.representation_views(),
        }

    def representation_views(self) -> Updates:
        w = self.widgets
        tallies = self.participation.tallies()
        missing_count = tallies.pop("missing", 0)
        names = self.perspective_names()
        rows = [[names.get(pid, pid), pid, count] for pid, count in tallies.items()]
        rows.append(["(a view was missing)", "missing", missing_count])
        views = self.participation.missing_views()
        missing_md = (
            "\n".join(f"- {safe_text(v)}" for v in views)
            if views
            else "_No missing views reported yet._"
        )
        pending = [
            [p.id, p.perspective.name, p.supporters, p.status] for p in self.proposals.proposals()
        ]
        return {w.tallies: rows, w.missing_views: missing_md, w.proposals: pending or None}

    def perspective_names(self) -> dict[str, str]:
        try:
            from agent.perspectives import load_registry

            return {p.id: p.name for p in load_registry(self.perspectives_file)}
        except ClarionError:
            return {}

    def on_propose(
        self,
        pid: object,
        name: object,
        description: object,
        prompt: object,
        contributor: object,
        source: object,
        tags: object,
        session: object,
    ) -> str:
        if not self.session_ok(session):
            return NO_SESSION
        fields = (pid, name, description, prompt, contributor, source, tags)
        texts = [f.strip() for f in fields if isinstance(f, str)]
        if len(texts) != len(fields):
            return "⚠️ Not proposed: every field must be text."
        pid, name, description, prompt, contributor, source, tags = texts
        entry = {
            "id": pid,
            "name": name,
            "description": description,
            "prompt": prompt,
            "provenance": {
                "contributor": contributor or "anonymous",
                "source": source or "proposed in the Clarion UI",
            },
            "tags": [t.strip() for t in tags.split(",") if t.strip()],
        }
        try:
            proposal = self.proposals.propose(entry, proposer=session["person"])
        except ClarionError as exc:
            return f"⚠️ Not proposed: {safe_text(exc)}"
        needed = self.agent.profile.proposal_supporters
        how = (
            f"the operator of this server accepts it, or {needed} other people support it"
            if needed
            else "the operator of this server accepts it"
        )
        return (
            f"✅ Proposed **{safe_text(proposal.perspective.name)}** "
            f"({safe_text(proposal.id)}). It is voiced to nobody until {how}."
        )

    def on_support(self, proposal_id: object, session: object) -> tuple[str, Any]:
        if not self.session_ok(session):
            return NO_SESSION, gr.skip()
        try:
            proposal = self.proposals.support(
                proposal_id, session["person"], needed=self.agent.profile.proposal_supporters
            )
        except ClarionError as exc:
            return f"⚠️ {safe_text(exc)}", gr.skip()
        text = f"Your support for {safe_text(proposal.id)} is counted ({proposal.supporters})."
        if proposal.status == "accepted":
            text += " It is accepted: from now on it can be voiced."
        return text, self.representation_views()[self.widgets.proposals]

    def on_decide(
        self,
        proposal_id: object,
        session: object,
        accept: bool = True,
        request: gr.Request | None = None,
    ) -> tuple[str, Any]:
        """Accept or reject a proposal: only a logged-in admin (--auth, --admin)."""
        user = getattr(request, "username", None)
        if not self.session_ok(session) or not user or user not in self.admins:
            return "⚠️ Only this server's administrators can accept or reject proposals.", gr.skip()
        try:
            proposal = self.proposals.decide(proposal_id, bool(accept), by=f"admin {user}")
        except ClarionError as exc:
            return f"⚠️ {safe_text(exc)}", gr.skip()
        rows = self.representation_views()[self.widgets.proposals]
        return f"{safe_text(proposal.id)}: {proposal.status}.", rows

    def on_settings(
        self, context: object, samples: object, readings: object, session: object
    ) -> tuple[Any, str]:
        """This person's settings, within the operator's bounds; nobody else's change."""
        if not self.session_ok(session):
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
        from agent.api import validate_message

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

    def api_feedback(
        self, perspective_id: object, missing: object, thread_id: object
    ) -> dict[str, Any]:
        if not isinstance(thread_id, str):
            return {"error": "Ask something first: feedback belongs to a conversation."}
        try:
            self.participation.record(thread_id, perspective_id or None, missing or None)
        except ClarionError as exc:
            return {"error": str(exc)}
        return self.participation.tallies()

    def api_representation(self) -> dict[str, Any]:
        return {
            "tallies": self.participation.tallies(),
            "missing_views": self.participation.missing_views(),
            "proposals": {p.id: p.status for p in self.proposals.proposals()},
        }


# --------------------------------------------------------------------------- 4. layout

CSS = """
.move-badge { display:inline-block; padding:2px 10px; border-radius:999px; font-weight:600;
  font-size:0.78em; letter-spacing:.05em; color:#fff; }
.move-answer { background:#2e7d32; } .move-hedge { background:#b26a00; }
.move-clarify { background:#1565c0; } .move-perspectives { background:#6a1b9a; }
.move-error { background:#b71c1c; }
.reply-head { display:flex; align-items:center; gap:10px; flex-wrap:wrap; }
.reply-meta { color:var(--body-text-color-subdued); font-size:0.8em; }
.route-reason { color:var(--body-text-color-subdued); font-size:0.82em; margin-top:4px; }
.pv-cards { display:flex; gap:10px; flex-wrap:wrap; margin-top:6px; min-width:min(620px, 60vw); }
.pv-card { flex:1 1 180px; border:1px solid var(--border-color-primary); border-left:4px solid
  #6a1b9a; border-radius:8px; padding:8px 10px; background:var(--background-fill-secondary); }
.pv-head { display:flex; justify-content:space-between; gap:6px; font-weight:700; }
.pv-share { font-weight:400; font-size:0.8em; color:var(--body-text-color-subdued); }
.pv-position { margin:6px 0; } .pv-reasoning { font-size:0.85em;
  color:var(--body-text-color-subdued); }
.turn-progress { display:flex; align-items:center; gap:8px; font-style:italic; }
.spinner { width:12px; height:12px; border:2px solid #999; border-top-color:transparent;
  border-radius:50%; animation:spin 0.8s linear infinite; }
@keyframes spin { to { transform:rotate(360deg); } }
#clarify-options button { white-space:normal; justify-content:flex-start; text-align:left;
  border:1px solid #1565c0; color:#1565c0; font-size:0.95em; }
#clarify-options button:hover { background:#e3eefb; }
"""

THEME = gr.themes.Soft(
    primary_hue="indigo",
    font=[gr.themes.LocalFont("Source Sans Pro"), "ui-sans-serif", "system-ui", "sans-serif"],
)
MSG_PLACEHOLDER = "Ask Clarion something…"
PLACEHOLDER = (
    "**Ask anything.** Clarion samples several answers, measures how much they "
    "disagree and why, and then answers, hedges, asks what you meant, or shows "
    "several perspectives."
)
INTRO = (
    "# Clarion\nA chat agent that says when it does not know, asks when your request "
    "can be read in several ways, and shows several perspectives when a question has no "
    "single right answer."
)


def build_app(ui: ClarionUI) -> gr.Blocks:
    """The Blocks app; `ui.widgets` afterwards names every component the handlers update."""
    agent, bounds = ui.agent, ui.bounds
    defaults = ui.new_session()["settings"]
    model_calls: dict[str, Any] = {"concurrency_id": "model", "concurrency_limit": 1}
    hidden: dict[str, Any] = {
        "api_visibility": "private"
    }  # the page's own events: no API, caller checked
    with gr.Blocks(title="Clarion") as demo:
        w = ui.widgets
        w.thread = gr.State(None)  # this session's thread id: server-side, never editable
        w.session = gr.State(None)  # this page's session (person, settings): set by load
        w.browser = gr.BrowserState(
            None, storage_key="clarion-thread", secret=ui.tokens.storage_secret
        )
        w.person = gr.BrowserState(
            None, storage_key="clarion-person", secret=ui.tokens.storage_secret
        )
        gr.Markdown(INTRO)
        with gr.Tab("Chat"), gr.Row(equal_height=False):
            with gr.Column(scale=3):
                w.chatbot = gr.Chatbot(
                    show_label=False,
                    height=None,
                    min_height=360,
                    max_height=900,
                    elem_id="chat",
                    buttons=["copy"],
                    feedback_options=None,
                    placeholder=PLACEHOLDER,
                )
                with gr.Column(visible=False, elem_id="clarify-options") as w.options_box:
                    gr.Markdown("**Which did you mean?**")
                    w.options = [
                        gr.Button(
                            visible=False,
                            size="sm",
                            variant="secondary",
                            elem_classes=["clarify-option"],
                        )
                        for _ in range(MAX_OPTIONS)
                    ]
                with gr.Row():
                    w.msg = gr.Textbox(
                        placeholder="Connecting…",
                        show_label=False,
                        scale=6,
                        elem_id="msg",
                        max_lines=6,
                        interactive=False,
                    )
                    w.send = gr.Button(
                        "Send", variant="primary", scale=1, elem_id="send", interactive=False
                    )
                with gr.Row():
                    w.status = gr.Markdown("", elem_id="status")
                    w.new = gr.Button("New conversation", size="sm", scale=0)
                with gr.Column(visible=False, elem_id="feedback") as w.feedback_box:
                    gr.Markdown("**Did one of these perspectives represent you?**")
                    w.fb_choice = gr.Radio(label="The perspective closest to yours", choices=[])
                    w.fb_missing = gr.Textbox(label="…or a view that was missing", lines=2)
                    w.fb_send = gr.Button("Send feedback", size="sm")
                    w.fb_status = gr.Markdown()
            with gr.Column(scale=2):
                gr.Markdown("### What Clarion is unsure about")
                w.panel_header = gr.Markdown(panel_header_md(None), elem_id="panel-header")
                w.plot = gr.Plot(
                    uncertainty_figure(None, agent.profile.thresholds),
                    show_label=False,
                    elem_id="uncertainty-plot",
                )
                with gr.Accordion("Answer clusters", open=False):
                    w.clusters = gr.Markdown(clusters_markdown([]), elem_id="clusters")
        with gr.Tab("Settings"):
            gr.Markdown(
                "Your settings: they apply to your own conversations, from the next turn on. "
                "The model and the data are the operator's (`python app.py --help`)."
            )
            w.context = gr.Dropdown(
                bounds.profiles,
                value=defaults["context"],
                label="Context profile (thresholds per component)",
            )
            w.samples = gr.Slider(
                1,
                bounds.max_samples,
                value=defaults["samples"],
                step=1,
                label="Samples per reading and perspective",
            )
            w.readings = gr.Slider(
                1,
                bounds.max_readings,
                value=defaults["readings"],
                step=1,
                label="Readings of the request (at most)",
            )
            w.apply = gr.Button("Apply", variant="primary")
            w.settings_status = gr.Markdown()
        with gr.Tab("Representation") as w.rep_tab:
            gr.Markdown(
                "How often each perspective represented someone, and the views people missed."
            )
            w.tallies = gr.Dataframe(
                headers=["perspective", "id", "times chosen"], interactive=False, elem_id="tallies"
            )
            w.missing_views = gr.Markdown(elem_id="missing-views")
            with gr.Accordion("Propose a perspective", open=False):
                p_id = gr.Textbox(label="id (lowercase, e.g. 'care-ethics')")
                p_name = gr.Textbox(label="Name")
                p_desc = gr.Textbox(label="What this perspective values", lines=2)
                p_prompt = gr.Textbox(label="How it reasons (instruction to the model)", lines=3)
                with gr.Row():
                    p_contrib = gr.Textbox(label="Your name (optional)")
                    p_source = gr.Textbox(label="Source (optional)")
                    p_tags = gr.Textbox(label="Tags, comma separated (at least one)")
                p_send = gr.Button("Propose")
                p_status = gr.Markdown(elem_id="propose-status")
            gr.Markdown(
                "**Proposed perspectives** are voiced to nobody until the operator accepts "
                "them"
                + (
                    f", or {agent.profile.proposal_supporters} people other than the proposer "
                    "support them."
                    if agent.profile.proposal_supporters
                    else "."
                )
            )
            w.proposals = gr.Dataframe(
                headers=["id", "name", "supporters", "status"],
                interactive=False,
                elem_id="proposals",
            )
            with gr.Row():
                s_id = gr.Textbox(label="Proposal id", scale=3)
                s_send = gr.Button("Support it", scale=1)
                if ui.admins:
                    a_accept = gr.Button("Accept (admin)", scale=1)
                    a_reject = gr.Button("Reject (admin)", scale=1)
            s_status = gr.Markdown(elem_id="support-status")
        with gr.Column(visible=False):  # API-only endpoints for gradio_client
            api_in, api_pid, api_missing = gr.Textbox(), gr.Textbox(), gr.Textbox()
            api_token = gr.Textbox(value="")
            api_out = gr.JSON()
            api_ask, api_fb, api_rep = gr.Button(), gr.Button(), gr.Button()

        turn_outputs = [
            w.chatbot,
            w.msg,
            w.thread,
            w.browser,
            w.status,
            w.options_box,
            *w.options,
            w.plot,
            w.panel_header,
            w.clusters,
            w.feedback_box,
            w.fb_choice,
            w.fb_missing,
            w.fb_status,
        ]
        demo.load(
            ui.on_load,
            [w.browser, w.person],
            [*turn_outputs, w.send, w.session, w.person],
            **hidden,
        )
        for trigger in (w.send.click, w.msg.submit):
            trigger(
                ui.on_turn,
                [w.msg, w.chatbot, w.thread, w.session],
                turn_outputs,
                **model_calls,
                **hidden,
            )
        for button in w.options:
            button.click(
                ui.on_turn,
                [button, w.chatbot, w.thread, w.session],
                turn_outputs,
                **model_calls,
                **hidden,
            )
        for trigger in (w.new.click, w.chatbot.clear):  # the chat's bin starts afresh too
            trigger(ui.on_new, [w.session], turn_outputs, **hidden)
        rep_views = [w.tallies, w.missing_views, w.proposals]
        w.fb_send.click(
            ui.on_feedback,
            [w.fb_choice, w.fb_missing, w.thread, w.session],
            [w.fb_status, w.fb_missing, *rep_views],
            **hidden,
        )
        w.rep_tab.select(ui.representation_views, None, rep_views, **hidden)
        p_send.click(
            ui.on_propose,
            [p_id, p_name, p_desc, p_prompt, p_contrib, p_source, p_tags, w.session],
            p_status,
            **hidden,
        )
        s_send.click(ui.on_support, [s_id, w.session], [s_status, w.proposals], **hidden)
        if ui.admins:
            for button, accept in ((a_accept, True), (a_reject, False)):
                button.click(
                    functools.partial(ui.on_decide, accept=accept),
                    [s_id, w.session],
                    [s_status, w.proposals],
                    **hidden,
                )
        w.apply.click(
            ui.on_settings,
            [w.context, w.samples, w.readings, w.session],
            [w.session, w.settings_status],
            **hidden,
        )
        api_ask.click(
            ui.api_ask,
            [api_in, api_token, w.thread],
            [api_out, w.thread],
            api_name="ask",
            **model_calls,
        )
        api_fb.click(
            ui.api_feedback, [api_pid, api_missing, w.thread], api_out, api_name="feedback"
        )
        api_rep.click(ui.api_representation, None, api_out, api_name="representation")
    return demo


# --------------------------------------------------------------------------- 5. CLI

DESCRIPTION = """Start Clarion's chat UI in the browser.

The model loads once at start (a progress bar shows in the terminal); conversations and
participation feedback are stored in one database (--db: a SQLite file, or PostgreSQL
for several app processes behind a load balancer) and survive a restart.

examples:
  python app.py                                  # http://127.0.0.1:7860, embedded model
  python app.py --port 8000 --context health
  python app.py --model HuggingFaceTB/SmolLM2-360M-Instruct --quantize 4bit
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python app.py",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to bind (default: 127.0.0.1, this machine only)",
    )
    parser.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    parser.add_argument(
        "--model",
        default=None,
        metavar="ID|PATH|GGUF",
        help="Hugging Face id, local folder or .gguf file (default: embedded "
        "SmolLM2-135M-Instruct)",
    )
    parser.add_argument(
        "--quantize",
        choices=QUANTIZE_CHOICES,
        default="none",
        help="bitsandbytes quantization (default: none)",
    )
    parser.add_argument(
        "--backend",
        choices=BACKEND_CHOICES,
        default=None,
        help="auto (default): openai if --base-url is given, else llama.cpp for a GGUF file "
        "on a CPU, else transformers",
    )
    parser.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="an OpenAI-compatible model server (vLLM, llama.cpp), e.g. "
        "http://127.0.0.1:8000/v1; --model names the served model. API key: $CLARION_API_KEY",
    )
    parser.add_argument(
        "--context",
        default="general",
        metavar="NAME|YAML",
        help="context profile name or YAML file (default: general)",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=None,
        metavar="N",
        help="answers sampled per reading and perspective (default: 4)",
    )
    parser.add_argument(
        "--readings",
        type=int,
        default=None,
        metavar="K",
        help="readings of a request to consider, at most (default: 3)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="time budget of one turn (default: 120)",
    )
    parser.add_argument(
        "--db",
        default=None,
        metavar="PATH|URL",
        help="conversations and feedback: a SQLite file (default: the user data folder) or "
        "postgresql://user@host:port/dbname, which several app processes can share",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder for user data such as proposed perspectives (default: the user data folder)",
    )
    people = parser.add_argument_group("serving other people")
    people.add_argument(
        "--max-samples",
        type=int,
        default=8,
        metavar="N",
        help="the most samples a person may choose in Settings (default: 8)",
    )
    people.add_argument(
        "--max-readings",
        type=int,
        default=4,
        metavar="K",
        help="the most readings a person may choose in Settings (default: 4)",
    )
    people.add_argument(
        "--queue-size",
        type=int,
        default=64,
        metavar="N",
        help="turns that may wait at once; more are refused with a 'busy' message (default 64)",
    )
    people.add_argument(
        "--auth",
        action="append",
        metavar="USER:PASSWORD",
        help="require a login (repeat for more users); default: no login",
    )
    people.add_argument(
        "--admin",
        action="append",
        metavar="USER",
        help="a logged-in user who may accept or reject proposed perspectives in the UI "
        "(repeatable; needs --auth). Without it: python -m agent perspectives",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def parse_auth(pairs: list[str]) -> list[tuple[str, str]]:
    """--auth USER:PASSWORD pairs (a password may hold ':')."""
    out = []
    for pair in pairs:
        user, sep, password = pair.partition(":")
        if not sep or not user or not password:
            raise SystemExit(f"error: --auth expects USER:PASSWORD, got {pair!r}")
        out.append((user, password))
    return out


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from agent import Agent, AgentConfig
    from agent.cli import db_setting
    from agent.files import private_dir, private_umask
    from agent.participation import ParticipationStore
    from agent.perspectives import user_registry_path
    from agent.profiles import list_profiles

    private_umask()  # conversations, feedback and the key: readable by this account only
    auth = parse_auth(args.auth or [])
    admins = frozenset(args.admin or ())
    if admins - {user for user, _ in auth}:
        raise SystemExit("error: every --admin must be a user given with --auth")
    try:
        settings = {
            "model": args.model,
            "quantize": args.quantize,
            "backend": args.backend,
            "base_url": args.base_url,
            "context": args.context,
            **db_setting(args.db),
            "data_dir": args.data_dir,
            "samples": args.samples,
            "readings": args.readings,
            "timeout_s": args.timeout,
        }
        config = AgentConfig.parse(
            {k: v for k, v in settings.items() if v is not None}, source="command line"
        )
        private_dir(config.data_folder, tighten=True)  # an existing db's folder stays as it is
        agent = Agent(config)
        agent.warm()  # model and embedder load now, with a progress bar, not in turn one
        participation = ParticipationStore(agent.database)
        tokens = ThreadTokens(signing_key(agent.database))
    except ClarionError as exc:
        raise SystemExit(f"error: {exc}") from None
    profiles = sorted({*list_profiles(config.data_dir), config.context})
    ui = ClarionUI(
        agent,
        participation,
        tokens,
        user_registry_path(config.data_folder),
        Bounds(profiles, args.max_samples, args.max_readings),
        admins,
    )
    demo = build_app(ui)
    demo.queue(default_concurrency_limit=1, max_size=args.queue_size).launch(
        server_name=args.host,
        server_port=args.port,
        css=CSS,
        show_error=False,
        theme=THEME,
        auth=auth or None,
    )


if __name__ == "__main__":
    main()

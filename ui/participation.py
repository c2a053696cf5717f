"""Participation events: votes on the perspectives shown, missing views, proposed
perspectives (support, admin decisions), and their API endpoints. A mixin of ClarionUI:
the attributes below are set by ClarionUI.__init__ and build_app."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import gradio as gr

from agent.errors import ClarionError
from ui.render import safe_text
from ui.sessions import NO_SESSION, session_ok

if TYPE_CHECKING:
    from agent import Agent
    from agent.participation import ParticipationStore
    from agent.proposals import ProposalStore
    from agent.reply import Reply

Updates = dict[Any, Any]  # component (a ui.widgets attribute) -> its new value or gr update


class ParticipationEvents:
    agent: Agent
    participation: ParticipationStore
    proposals: ProposalStore
    perspectives_file: Path
    admins: frozenset[str]
    widgets: SimpleNamespace

    def remember_shown(self, thread_id: str, reply: Reply) -> None:
        """A perspectives reply takes one vote, for one of the views it showed."""
        if reply.kind == "perspectives" and reply.perspectives:
            self.participation.shown(thread_id, [p.id for p in reply.perspectives])

    def on_feedback(
        self, perspective_id: object, missing: object, thread_id: object, session: object
    ) -> Updates:
        w = self.widgets
        if not session_ok(session) or not isinstance(thread_id, str):
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
        if not session_ok(session):
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
        if not session_ok(session):
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
        if not session_ok(session) or not user or user not in self.admins:
            return "⚠️ Only this server's administrators can accept or reject proposals.", gr.skip()
        try:
            proposal = self.proposals.decide(proposal_id, bool(accept), by=f"admin {user}")
        except ClarionError as exc:
            return f"⚠️ {safe_text(exc)}", gr.skip()
        rows = self.representation_views()[self.widgets.proposals]
        return f"{safe_text(proposal.id)}: {proposal.status}.", rows

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

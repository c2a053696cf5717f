"""Stand-ins with the shape of agent.Reply / Agent, for model-free UI tests.

Only the attributes app.py reads; the real Agent is exercised by tests/test_app.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from types import SimpleNamespace

from agent.errors import InvalidInputError, ThreadError


@dataclass
class FakeReport:
    values: dict
    n_samples: int = 8

    def vector(self):
        return dict(self.values)


@dataclass
class FakeReply:
    kind: str
    text: str
    thread_id: str = "t"
    route_reason: str = "all components below threshold (profile general)"
    options: list = field(default_factory=list)
    perspectives: list = field(default_factory=list)
    clusters: list = field(default_factory=list)
    confidence: float | None = None
    context: str = "general"
    seconds: float = 1.0
    uncertainty: FakeReport | None = None

    def to_dict(self):
        return {
            "kind": self.kind,
            "text": self.text,
            "thread_id": self.thread_id,
            "options": self.options,
        }


def cluster(probability, members):
    return SimpleNamespace(
        probability=probability,
        members=members,
        representative=members[0],
        likelihood_probability=None,
    )


def view(pid, name, share):
    return SimpleNamespace(
        id=pid,
        name=name,
        position=f"{name} says so.",
        reasoning=f"Because {name.lower()} matters.",
        share=share,
    )


class FakeAgent:
    """Clarify on 'bank', perspectives on 'should', an error on 'boom', else answer."""

    def __init__(self):
        self.config = SimpleNamespace(
            context="general", samples=4, readings=3, model=None, quantize="none", data_dir=None
        )
        self.profile = SimpleNamespace(
            proposal_supporters=0,
            thresholds={
                "semantic_entropy": 1.0,
                "epistemic": 0.8,
                "ambiguity": 0.3,
                "value_conflict": 0.3,
            },
        )
        self.settings_seen: list[dict | None] = []  # per-turn settings, as the UI passed them
        self.threads: dict[str, list[dict]] = {}
        self.waiting: dict[str, FakeReply] = {}

    def new_thread_id(self):
        return secrets.token_urlsafe(16)

    def history(self, thread_id):
        if thread_id not in self.threads:
            raise ThreadError("unknown thread")
        return list(self.threads[thread_id])

    def pending(self, thread_id):
        return self.waiting.get(thread_id)

    def interrupted(self, thread_id):
        return None

    def reply_for(self, message, thread_id, resume):
        report = FakeReport(
            {"semantic_entropy": 0.9, "epistemic": 0.2, "ambiguity": 0.5, "value_conflict": 0.0}
        )
        if "boom" in message:
            raise RuntimeError("internal failure with a secret path /root/x")
        if not message.strip():
            raise InvalidInputError("The message is empty.")
        if resume:
            return FakeReply(
                "answer",
                f"Resumed: {message}",
                thread_id,
                confidence=0.75,
                uncertainty=report,
                clusters=[cluster(0.75, ["a", "a2"])],
            )
        if "bank" in message:
            return FakeReply(
                "clarify",
                "Which bank do you mean?",
                thread_id,
                route_reason="ambiguity 0.50 >= 0.30 (profile general)",
                options=["a river bank", "a bank for money"],
                uncertainty=report,
                clusters=[cluster(0.5, ["water"]), cluster(0.5, ["money"])],
            )
        if "should" in message:
            return FakeReply(
                "perspectives",
                "People weigh this differently.",
                thread_id,
                perspectives=[view("care", "Care", 0.5), view("liberty", "Liberty", 0.5)],
                uncertainty=report,
                clusters=[cluster(0.5, ["x"])],
            )
        return FakeReply(
            "answer",
            "Paris.",
            thread_id,
            confidence=0.9,
            uncertainty=report,
            clusters=[cluster(0.9, ["Paris", "Paris."]), cluster(0.1, ["Lyon"])],
        )

    def stream(self, message, thread_id=None, *, resume=False, settings=None):
        self.settings_seen.append(settings)
        yield SimpleNamespace(node="interpret", message="Finding readings…", reply=None)
        # like the real Agent: a message on a waiting thread is the clarify reply
        reply = self.reply_for(message, thread_id, resume or thread_id in self.waiting)
        self.waiting.pop(thread_id, None)
        if reply.kind == "clarify":
            self.waiting[thread_id] = reply
        self.threads.setdefault(thread_id, []).extend(
            [
                {"role": "user", "content": message},
                {"role": "assistant", "content": reply.text, "kind": reply.kind},
            ]
        )
        yield SimpleNamespace(node="respond", message="done", reply=reply)

    def chat(self, message, thread_id=None, *, settings=None):
        *_, last = self.stream(message, thread_id, settings=settings)
        return last.reply

"""A scripted stand-in for agent.Agent, for model-free UI tests: it answers with real
Reply / UncertaintyReport / Cluster / PerspectiveView objects, by keyword.

The real Agent is exercised by tests/test_app.py.
"""

from __future__ import annotations

import secrets

from agent.config import AgentConfig
from agent.errors import InvalidInputError
from agent.profiles import load_profile
from agent.reply import PerspectiveView, Reply, TurnEvent
from tests.builders import cluster
from tests.builders import reply as make_reply

VECTOR = {"semantic_entropy": 0.9, "epistemic": 0.2, "ambiguity": 0.5, "value_conflict": 0.0}


def view(pid, name, share):
    return PerspectiveView(pid, name, f"{name} says so.", f"Because {name.lower()} matters.", share)


def reply(kind, text, thread_id="t", **fields) -> Reply:
    fields.setdefault("route_reason", "all components below threshold (profile general)")
    fields.setdefault("seconds", 1.0)
    return make_reply(kind, text, thread_id, VECTOR, **fields)


class FakeAgent:
    """Clarify on 'bank', perspectives on 'should', an error on 'boom', else answer."""

    def __init__(self):
        self.config = AgentConfig()
        self.profile = load_profile("general")
        self.settings_seen: list[dict | None] = []  # per-turn settings, as the UI passed them
        self.threads: dict[str, list[dict]] = {}
        self.waiting: dict[str, Reply] = {}

    def new_thread_id(self):
        return secrets.token_hex(16)

    def history(self, thread_id):
        return list(self.threads.get(thread_id, []))  # like Agent.history: [] when unknown

    def pending(self, thread_id):
        return self.waiting.get(thread_id)

    def interrupted(self, thread_id):
        return None

    def reply_for(self, message, thread_id, resume):
        if "boom" in message:
            raise RuntimeError("internal failure with a secret path /root/x")
        if not message.strip():
            raise InvalidInputError("The message is empty.")
        if resume:
            return reply(
                "answer",
                f"Resumed: {message}",
                thread_id,
                confidence=0.75,
                clusters=[cluster(0, 0.75, ["a", "a2"])],
            )
        if "bank" in message:
            return reply(
                "clarify",
                "Which bank do you mean?",
                thread_id,
                route_reason="ambiguity 0.50 >= 0.30 (profile general)",
                options=["a river bank", "a bank for money"],
                clusters=[cluster(0, 0.5, ["water"]), cluster(1, 0.5, ["money"])],
            )
        if "should" in message:
            return reply(
                "perspectives",
                "People weigh this differently.",
                thread_id,
                perspectives=[view("care", "Care", 0.5), view("liberty", "Liberty", 0.5)],
                clusters=[cluster(0, 0.5, ["x"])],
            )
        return reply(
            "answer",
            "Paris.",
            thread_id,
            confidence=0.9,
            clusters=[cluster(0, 0.9, ["Paris", "Paris."]), cluster(1, 0.1, ["Lyon"])],
        )

    def stream(self, message, thread_id=None, *, resume=False, settings=None):
        self.settings_seen.append(settings)
        yield TurnEvent("interpret", "Finding readings…")
        # like the real Agent: a message on a waiting thread is the clarify reply
        answer = self.reply_for(message, thread_id, resume or thread_id in self.waiting)
        self.waiting.pop(thread_id, None)
        if answer.kind == "clarify":
            self.waiting[thread_id] = answer
        self.threads.setdefault(thread_id, []).extend(
            [
                {"role": "user", "content": message},
                {"role": "assistant", "content": answer.text, "kind": answer.kind},
            ]
        )
        yield TurnEvent(answer.kind, "done", answer)

    def chat(self, message, thread_id=None, *, settings=None):
        *_, last = self.stream(message, thread_id, settings=settings)
        return last.reply

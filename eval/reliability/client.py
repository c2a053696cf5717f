"""One person talking to the app over its public API (gradio_client), timing each call."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from gradio_client import Client
from gradio_client.client import Job

Reply = dict[str, Any]  # an endpoint's JSON answer, as the app sends it


@dataclass
class Person:
    url: str
    token: str = ""  # the signed thread token the app handed back (survives a restart)
    latencies: list[float] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)  # latency minus the turn's own time

    def __post_init__(self) -> None:
        self.client = Client(self.url, verbose=False, download_files=False)

    def ask(self, message: object, token: object = None) -> Reply:
        """One turn; the reply dict ({"error": ...} when the app refused). The person's
        own token is sent, so a restarted server reattaches its conversation."""
        started = time.perf_counter()
        token = self.token if token is None else token
        reply: Reply = self.client.predict(message, token, api_name="/ask")
        elapsed = time.perf_counter() - started
        if isinstance(reply, dict) and "error" not in reply:
            self.latencies.append(elapsed)
            self.waits.append(max(0.0, elapsed - float(reply.get("seconds") or 0.0)))
            self.token = reply.get("token") or self.token
        return reply

    def submit(self, message: str) -> Job:
        """Start a turn without waiting for it (a gradio_client Job)."""
        return self.client.submit(message, self.token, api_name="/ask")

    def feedback(self, perspective: object, missing: object = "") -> Reply:
        reply: Reply = self.client.predict(perspective, missing, api_name="/feedback")
        return reply

    def representation(self) -> Reply:
        reply: Reply = self.client.predict(api_name="/representation")
        return reply

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a client that is already gone
            self.client.close()

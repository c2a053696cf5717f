"""Fakes for fast runner tests: an agent that picks moves by rules and answers with real
Reply / UncertaintyReport objects.

They never stand in for the real model in end-to-end tests (see test_end_to_end.py).
"""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import numpy as np
import pytest

from agent.llm.fake import FakeBackend
from agent.reply import PerspectiveView
from eval.harness import Harness
from eval.paths import DEFAULT_DATA_DIR
from tests.builders import reply
from uncertainty import Cluster


def rule(message: str) -> str:
    m = message.lower()
    if "rude" in m or "should" in m or "wrong" in m or "ethic" in m:
        return "perspectives"
    if m.startswith(("write", "convert", "translate", "how much", "when does")):
        return "clarify"
    if any(w in m for w in ("1974", "first", "exactly")):
        return "hedge"
    return "answer"


class FakeAgent:
    """Picks moves by keyword; a pending clarify is answered by the next message."""

    def __init__(self):
        self._ids = itertools.count()
        self._pending: set[str] = set()

    def chat(self, message, thread_id=None):
        thread_id = thread_id or f"t{next(self._ids)}"
        if thread_id in self._pending:
            return self.resume(thread_id, message)
        kind = rule(message)
        h = int(hashlib.md5(message.encode()).hexdigest()[:4], 16) / 65535
        vec = {
            "semantic_entropy": h,
            "epistemic": h / 2,
            "ambiguity": 0.9 if kind == "clarify" else h / 4,
            "value_conflict": 0.8 if kind == "perspectives" else 0.0,
        }
        views = (
            [
                PerspectiveView("a", "A", "Very favorable", "r", 0.5),
                PerspectiveView("b", "B", "Somewhat unfavorable", "r", 0.5),
            ]
            if kind == "perspectives"
            else []
        )
        if kind == "clarify":
            self._pending.add(thread_id)
        return reply(
            kind,
            f"reply to {message}",
            thread_id,
            vec,
            differing=["r1", "r2"] if kind == "clarify" else [],
            confidence=0.5,
            seconds=0.01,
            options=["r1", "r2"] if kind == "clarify" else [],
            perspectives=views,
            clusters=[Cluster(0, "Paris", ["Paris"], 0.75), Cluster(1, "Lyon", ["Lyon"], 0.25)],
            value_laden=kind == "perspectives",
        )

    def resume(self, thread_id, text):
        self._pending.discard(thread_id)
        return reply(
            "answer",
            "Paris",
            thread_id,
            {"semantic_entropy": 0.1},
            clusters=[Cluster(0, "Paris", ["Paris"], 1.0)],
            confidence=0.5,
            seconds=0.01,
        )

    def pending(self, thread_id):
        return object() if thread_id in self._pending else None


class FakeEmbedder:
    """Bag-of-words hashing vectors, L2-normalised (like uncertainty.Embedder)."""

    def embed(self, texts):
        out = np.zeros((len(texts), 64))
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, int(hashlib.md5(w.encode()).hexdigest()[:6], 16) % 64] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def fake_harness():
    backend = FakeBackend(
        lambda msgs: ["80" if "how sure" in msgs[-1]["content"].lower() else "Paris"]
    )
    return Harness(agent=FakeAgent(), backend=backend, embedder=FakeEmbedder(), show_progress=False)


@pytest.fixture
def data_dir() -> Path:
    if not DEFAULT_DATA_DIR.is_dir():
        pytest.skip(f"evaluation data absent ({DEFAULT_DATA_DIR})")
    return DEFAULT_DATA_DIR

"""A deterministic stand-in LLM for fast unit tests of the routing logic.

It answers from a script: a function of the rendered conversation that returns the
texts to sample. It never pretends to be the real model in integration tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from agent.llm.base import FinishReason, Messages, Sample, SamplingParams, validate_messages
from agent.llm.stopping import cut_at_stop

Script = Callable[[Messages], list[str]]


class FakeBackend:
    """Sample i of a conversation is script(messages)[(seed + i) % len]; log-probs are
    fixed (another seed draws the same texts in another order, as a real one would)."""

    name = "fake"
    context_window = 100_000

    def __init__(self, script: Script, logprob: float = -0.5, budget_words: int | None = None):
        """budget_words: samples longer than this many words come back cut there
        (finish_reason "length"), as a real sampling budget would cut them."""
        self.script = script
        self.logprob = logprob
        self.budget_words = budget_words
        self.calls: list[list[Messages]] = []
        self.extended: list[str] = []

    def sample_batch(
        self, conversations: list[Messages], params: SamplingParams
    ) -> list[list[Sample]]:
        self.calls.append(conversations)
        offset = params.seed or 0
        return [
            self._samples(messages, params.n, params.stop, offset) for messages in conversations
        ]

    def sample(self, messages: Messages, params: SamplingParams) -> list[Sample]:
        return self.sample_batch([messages], params)[0]

    def greedy(
        self, messages: Messages, max_new_tokens: int = 64, *, deadline: float | None = None
    ) -> Sample:
        return self._samples(messages, 1)[0]

    def extend(
        self,
        messages: Messages,
        start: Sample,
        max_new_tokens: int,
        on_text: Callable[[str], None] | None = None,
        *,
        deadline: float | None = None,
    ) -> Sample:
        """The scripted text `start` was cut from, the rest streamed to `on_text`."""
        self.extended.append(start.text)
        whole = next((t for t in self.script(messages) if t.startswith(start.text)), start.text)
        if on_text is not None and len(whole) > len(start.text):
            on_text(whole[len(start.text) :])
        return self._sample(whole, "stop")

    def _samples(
        self, messages: Messages, n: int, stop: tuple[str, ...] = (), offset: int = 0
    ) -> list[Sample]:
        validate_messages(messages)
        texts = self.script(messages) or [""]
        out = []
        for i in range(n):
            text = texts[(offset + i) % len(texts)]
            cut = cut_at_stop(text, stop)
            text = text if cut is None else text[:cut].strip()
            words = text.split()
            reason: FinishReason = "stop"
            if self.budget_words is not None and len(words) > self.budget_words:
                text, reason = " ".join(words[: self.budget_words]), "length"
            out.append(self._sample(text, reason))
        return out

    def _sample(self, text: str, reason: FinishReason) -> Sample:
        ids = tuple(int(hashlib.md5(w.encode()).hexdigest()[:6], 16) for w in text.split())
        return Sample(text, ids, tuple(self.logprob for _ in ids), reason)

"""A scripted world for the harness: the real app, Agent, graph, checkpointer and
participation store, over a deterministic LLM (agent.llm.fake.FakeBackend), so load,
faults and attacks are reproducible and a turn's length is set by `delay_s`.

What the script answers: every answer repeats the question (so a reply shows whose
question it answered: cross-talk is visible in the text); a question with "bank" in it
has two readings with different answers (clarify); each perspective takes its own
stance (a value-laden question gets perspectives).
"""

from __future__ import annotations

import hashlib
import time

from agent.llm.base import Messages, Sample, SamplingParams
from agent.llm.fake import FakeBackend
from agent.templates import render

_MARK = "\x00"
_INTERPRET_HEAD, _INTERPRET_TAIL = render("interpret", question=_MARK).split(_MARK)
_PERSPECTIVE_TAIL = render("perspective", perspective="", question=_MARK).split(_MARK)[1]
AMBIGUOUS = "Which bank is best"  # + anything: clarifies
STANCES = (
    "Yes. It does the most good for the most people.",
    "No. Some duties hold whatever the results.",
    "It depends on the character of the person choosing.",
    "The people closest to it should be cared for first.",
    "Only if everyone is treated equally.",
    "Each person should decide for themselves.",
    "The community's wellbeing comes first.",
    "It costs too much to be practical.",
)


def script(messages: Messages) -> list[str]:
    text = messages[-1]["content"]
    if text.startswith(_INTERPRET_HEAD) and text.endswith(_INTERPRET_TAIL):
        question = text.removeprefix(_INTERPRET_HEAD).removesuffix(_INTERPRET_TAIL)
        if AMBIGUOUS.lower() in question.lower():
            return [f"{question} for keeping money?", f"{question} for a river walk?"]
        return [question]
    if text.endswith(_PERSPECTIVE_TAIL):
        digest = int(hashlib.sha256(text.split("\n\n")[0].encode()).hexdigest(), 16)
        return [STANCES[digest % len(STANCES)]]
    if "keeping money" in text:
        return ["A bank with low fees keeps your money safest."]
    if "river walk" in text:
        return ["The east bank of the river has the nicest path."]
    return [f"You asked: {' '.join(text.split())[:300]}"]


SLOW = "[slow]"  # in a message: each generate call of its turn takes delay_s


class ScriptedBackend(FakeBackend):
    """FakeBackend over `script`; a turn whose message holds SLOW takes `delay_s` per
    generate call (a model's time), so the harness can kill a server mid-turn."""

    name = "scripted"

    def __init__(self, delay_s: float = 0.0):
        # a mean log-prob below the probe's bar: every turn samples (the moves are tested)
        super().__init__(script, logprob=-1.0)
        self.delay_s = delay_s

    def _wait(self, conversations: list[Messages]) -> None:
        if any(SLOW in m["content"] for c in conversations for m in c[-1:]):
            time.sleep(self.delay_s)

    def sample_batch(
        self, conversations: list[Messages], params: SamplingParams
    ) -> list[list[Sample]]:
        self._wait(conversations)
        samples = super().sample_batch(conversations, params)
        self.calls.clear()  # FakeBackend keeps every call for tests; a server must not
        return samples

    def greedy(
        self, messages: Messages, max_new_tokens: int = 64, *, deadline: float | None = None
    ) -> Sample:
        self._wait([messages])
        return super().greedy(messages, max_new_tokens, deadline=deadline)

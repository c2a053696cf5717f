"""Baselines computed in the same run as Clarion, on the same backend.

- always-answer: needs no model call (never clarifies, never hedges);
- token-level predictive entropy of the greedy answer: mean negative log-probability of
  its tokens (Sample.token_logprobs, unscaled distribution);
- verbalized confidence: the model is shown its greedy answer and asked "how sure are you,
  0-100?" (prompts/verbalized_confidence.txt); the first number 0..100 in the reply is the
  confidence. Replies without one are counted as parse failures and scored as 50 (neutral),
  and the failure count is reported;
- the single greedy answer (pluralism): a one-hot "distribution" over options.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from agent.llm.base import Messages
from eval.prompting import render

NEUTRAL_CONFIDENCE = 50.0
_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s*%?")


def parse_confidence(text: str) -> float | None:
    """The first number in [0, 100] in the reply, or None (a parse failure)."""
    for match in _NUMBER.finditer(text or ""):
        value = float(match.group(1))
        if 0.0 <= value <= 100.0:
            return value
    return None


@dataclass
class BaselineRecord:
    greedy_answer: str
    token_entropy: float  # mean negative log-prob of the greedy answer's tokens
    tokens: int
    verbalized_raw: str
    verbalized: float | None  # None = parse failure

    @property
    def confidence(self) -> float:
        return NEUTRAL_CONFIDENCE if self.verbalized is None else self.verbalized

    def to_dict(self) -> dict:
        return asdict(self) | {"confidence": self.confidence}


def run_baselines(
    backend, history: Messages, question: str, *, max_new_tokens: int = 48, verbalized: bool = True
) -> BaselineRecord:
    """Greedy answer to `history` (ending with the user's turn), then its verbalized confidence."""
    sample = backend.greedy(history, max_new_tokens=max_new_tokens)
    raw, conf = "", None
    if verbalized:
        prompt = render("verbalized_confidence", question=question, answer=sample.text.strip())
        raw = backend.greedy([{"role": "user", "content": prompt}], max_new_tokens=8).text
        conf = parse_confidence(raw)
    return BaselineRecord(
        greedy_answer=sample.text.strip(),
        token_entropy=-sample.mean_logprob,
        tokens=len(sample.token_logprobs),
        verbalized_raw=raw.strip(),
        verbalized=conf,
    )


def confidence_of(record: dict) -> float:
    """Verbalized confidence of a stored baseline record (neutral 50 when unparsed)."""
    value = record.get("verbalized")
    return NEUTRAL_CONFIDENCE if value is None else float(value)

"""A perspective answer's position, separated from its wording and its reasoning.

Perspective prompts ask for "your position in one sentence, then your reason in one
sentence". Two perspectives that take the same position still give different reasons
(that is what a perspective is), so comparing whole answers makes agreement look like
conflict. value_conflict compares positions: the first sentence, without the persona
framing a model likes to open with ("As a consequentialist, I believe that ...").
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_FRAMING = re.compile(
    r"""^(?:
        (?:as|speaking\s+as)\s+(?:a|an|the|someone|somebody|one)\b[^,.;:]{0,80}[,:]\s*
      | (?:from|in)\s+(?:a|an|the|my)\b[^,.;:]{0,60}
        \b(?:perspective|view|viewpoint|standpoint|lens|terms)[,:]\s*
      | (?:in\s+my\s+(?:view|opinion)|to\s+me|for\s+me|personally|my\s+position\s+is)[,:]?\s*
      | (?:position|answer|stance)\s*:\s*
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_HEDGE_OPENING = re.compile(
    r"^(?:I|we)\s+(?:would\s+)?(?:believe|think|argue|feel|hold|maintain)\s+(?:that\s+)?",
    re.IGNORECASE,
)


def split_position(text: str) -> tuple[str, str]:
    """(first sentence, the rest): the position as written and its reasoning."""
    parts = _SENTENCE_END.split(text.strip(), maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def position(text: str) -> str:
    """The stance of an answer: its first sentence without persona framing or "I think that".

    Falls back to the first sentence as written when stripping would leave nothing.
    """
    first, _ = split_position(text)
    stance = first
    for _ in range(3):  # "As a utilitarian, in my view, I think that ..." peels in turns
        peeled = _HEDGE_OPENING.sub("", _FRAMING.sub("", stance, count=1), count=1).strip()
        if peeled == stance:
            break
        stance = peeled
    if not stance.strip(" .!?"):
        return first
    return stance[:1].upper() + stance[1:]

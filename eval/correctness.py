"""Is an answer correct? Normalised exact match or normalised containment.

Normalisation follows the SQuAD/NQ evaluation script: lower case, drop punctuation and
the articles a/an/the, collapse whitespace. An answer is correct when, after that, it
equals a gold answer, or a gold answer occurs in it as a whole-word span (containment:
a free-form reply "It was Tony Goldwyn." contains the gold "Tony Goldwyn"). Only gold
inside answer counts, never answer inside gold (a reply "1" must not match "1950").
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans({c: " " for c in string.punctuation})


def normalize(text: str) -> str:
    text = text.lower().translate(_PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def match(answer: str, gold: Iterable[str]) -> str | None:
    """ "exact", "contains" or None."""
    ans = normalize(answer)
    if not ans:
        return None
    golds = [g for g in (normalize(x) for x in gold) if g]
    if ans in golds:
        return "exact"
    padded = f" {ans} "
    if any(f" {g} " in padded for g in golds):
        return "contains"
    return None


def is_correct(answer: str, gold: Iterable[str]) -> bool:
    return match(answer, gold) is not None

"""Lexical similarity of two short texts: token F1 (SQuAD-style) and ROUGE-L F1.

Tokens are lowercased runs of letters and digits; no stemming, no stop-word removal.
"""

from __future__ import annotations

import re
from collections import Counter

_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def token_f1(candidate: str, reference: str) -> float:
    """Harmonic mean of token precision and recall (bag of tokens, multiplicities count)."""
    c, r = tokens(candidate), tokens(reference)
    common = sum((Counter(c) & Counter(r)).values())
    if not c or not r or common == 0:
        return float(not c and not r)
    p, rec = common / len(c), common / len(r)
    return 2 * p * rec / (p + rec)


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 (beta = 1): longest common token subsequence over both lengths."""
    c, r = tokens(candidate), tokens(reference)
    if not c or not r:
        return float(not c and not r)
    lcs = _lcs(c, r)
    if lcs == 0:
        return 0.0
    p, rec = lcs / len(c), lcs / len(r)
    return 2 * p * rec / (p + rec)


def _lcs(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]

"""Semantic-equivalence judges behind one interface: embedding, NLI, LLM.

A judge is bound to a question and the full list of answers once (so it can batch and
cache), and returns `same(i, j) -> bool`. The question is always part of the context:
"Paris" only means "the capital is Paris" given the question.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from uncertainty.embeddings import TextEmbedder

SameFn = Callable[[int, int], bool]


@runtime_checkable
class EquivalenceJudge(Protocol):
    def bind(self, question: str, texts: Sequence[str]) -> SameFn: ...


def _in_context(question: str, answer: str) -> str:
    return f"{question.strip()} {answer.strip()}".strip()


class EmbeddingJudge:
    """Cosine similarity of question-conditioned answer embeddings above a threshold.

    Each answer is embedded as "question answer"; the question's own embedding is
    subtracted and the rest re-normalised, so what is compared is what the answer adds
    to the question. Measured on 21 hand-labelled answer pairs over 7 questions
    (all-MiniLM-L6-v2, /tmp/tune_judge.py in the issue-4 report):

    - answer alone:      paraphrases min/mean 0.37/0.71, non-paraphrases max/mean
      0.91/0.64, best accuracy 15/21 ("Eight." vs "A spider has 8 legs." = 0.37);
    - question + answer: 0.90/0.95 vs 0.96/0.88, best 17/21 at 0.95: the shared
      question makes every pair look alike, leaving no margin;
    - residual (used):   0.62/0.74 vs 0.75/0.40, best 19/21 at 0.61 ("Paris" vs
      "The capital is Paris." 0.64, vs "Lyon" 0.25).

    Threshold 0.60 sits just under the lowest paraphrase. Embeddings stay weak on
    negation and numbers ("Yes, legal" vs "No, banned" 0.67; "eight legs" vs "six
    legs" 0.75): use NLIJudge where stance or figures decide the meaning.
    """

    DEFAULT_THRESHOLD = 0.60

    def __init__(self, embedder: TextEmbedder | None = None, threshold: float = DEFAULT_THRESHOLD):
        if embedder is None:
            from uncertainty.embeddings import Embedder

            embedder = Embedder()
        self.embedder = embedder
        self.threshold = threshold

    def vectors(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of what each answer adds to the question (one embedding batch)."""
        rows = self.embedder.embed([question.strip()] + [_in_context(question, t) for t in texts])
        if not question.strip():
            return rows[1:]
        residual = rows[1:] - rows[0]
        norms = np.linalg.norm(residual, axis=1, keepdims=True)
        unit: np.ndarray = residual / np.maximum(norms, 1e-9)
        return unit

    def bind(self, question: str, texts: Sequence[str]) -> SameFn:
        vectors = self.vectors(question, texts)

        def same(i: int, j: int) -> bool:
            return float(vectors[i] @ vectors[j]) >= self.threshold

        return same


class NLIJudge:
    """Bidirectional entailment with an NLI cross-encoder (Kuhn et al. 2023).

    Two answers mean the same iff each, read after the question, entails the other.
    `strict=False` is Farquhar et al.'s looser rule: no contradiction either way and
    not both neutral. `classify` (pairs -> label names) replaces the model, for tests
    or for a classifier served elsewhere.
    """

    def __init__(
        self,
        model: str | None = None,
        device: str = "cpu",
        *,
        strict: bool = True,
        classify: Callable[[Sequence[tuple[str, str]]], list[str]] | None = None,
    ):
        if classify is None:
            if not model:
                raise ValueError("NLIJudge needs a model path/id or a classify function")
            from uncertainty.nli import HFNLIClassifier

            classify = HFNLIClassifier.load(model, device)
        self.classify = classify
        self.strict = strict

    def bind(self, question: str, texts: Sequence[str]) -> SameFn:
        ctx = [_in_context(question, t) for t in texts]
        cache: dict[tuple[int, int], bool] = {}

        def same(i: int, j: int) -> bool:
            key = (min(i, j), max(i, j))
            if key not in cache:
                forward, backward = self.classify([(ctx[i], ctx[j]), (ctx[j], ctx[i])])
                if self.strict:
                    cache[key] = forward == backward == "entailment"
                else:
                    both = {forward, backward}
                    cache[key] = "contradiction" not in both and both != {"neutral"}
            return cache[key]

        return same


class LLMJudge:
    """Wraps `ask(question, a, b) -> bool` ("do these two answers mean the same?")."""

    def __init__(self, ask: Callable[[str, str, str], bool]):
        self.ask = ask

    def bind(self, question: str, texts: Sequence[str]) -> SameFn:
        cache: dict[tuple[int, int], bool] = {}

        def same(i: int, j: int) -> bool:
            key = (min(i, j), max(i, j))
            if key not in cache:
                cache[key] = bool(self.ask(question, texts[i], texts[j]))
            return cache[key]

        return same

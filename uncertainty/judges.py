"""Semantic-equivalence judges behind one interface: embedding, NLI, LLM.

A judge is bound to a question and the full list of answers once (so it can batch and
cache), and returns `same(i, j) -> bool`. The question is always part of the context:
"Paris" only means "the capital is Paris" given the question.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from uncertainty.embeddings import Embedder

SameFn = Callable[[int, int], bool]


@runtime_checkable
class EquivalenceJudge(Protocol):
    def bind(self, question: str, texts: Sequence[str]) -> SameFn: ...


def _in_context(question: str, answer: str) -> str:
    return f"{question.strip()} {answer.strip()}".strip()


class EmbeddingJudge:
    """Cosine similarity of sentence embeddings above a threshold.

    JUDGE_DOC_PLACEHOLDER
    """

    DEFAULT_THRESHOLD = 0.75

    def __init__(self, embedder: Embedder | None = None, threshold: float = DEFAULT_THRESHOLD):
        if embedder is None:
            from uncertainty.embeddings import Embedder

            embedder = Embedder()
        self.embedder = embedder
        self.threshold = threshold

    def bind(self, question: str, texts: Sequence[str]) -> SameFn:
        vectors = self.embedder.embed([_in_context(question, t) for t in texts])

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

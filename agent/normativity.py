"""Is a question value-laden? A k-nearest-neighbour vote over exemplar questions.

Value conflict between perspectives only means something on a normative question: on a
factual one, perspectives that disagree are just wrong in different ways. The exemplars
(prompts/normativity.yaml) are embedded once per embedder and kept; a question's score is
the share of normative exemplars among its k nearest by cosine similarity.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent.config import PROMPTS_DIR, read_data_file
from agent.errors import ConfigError
from uncertainty.embeddings import TextEmbedder

EXEMPLARS_PATH = PROMPTS_DIR / "normativity.yaml"
DEFAULT_THRESHOLD = 0.6  # 3 of the 5 nearest


@dataclass(frozen=True)
class Exemplars:
    texts: tuple[str, ...]
    normative: np.ndarray  # bool per text


def load_exemplars(path: Path = EXEMPLARS_PATH) -> Exemplars:
    data = read_data_file(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected 'normative' and 'factual' lists.")
    groups = []
    for key in ("normative", "factual"):
        items = data.get(key)
        if (
            not isinstance(items, list)
            or not items
            or not all(isinstance(q, str) and q.strip() for q in items)
        ):
            raise ConfigError(f"{path}: field '{key}': expected a non-empty list of questions.")
        groups.append([q.strip() for q in items])
    texts = tuple(groups[0] + groups[1])
    labels = np.array([True] * len(groups[0]) + [False] * len(groups[1]))
    return Exemplars(texts, labels)


# Exemplar embeddings per embedder instance (the model is fixed for its lifetime).
_cache: dict[int, tuple[Any, Exemplars, np.ndarray]] = {}


def _embedded(embedder: TextEmbedder) -> tuple[Exemplars, np.ndarray]:
    hit = _cache.get(id(embedder))
    if hit is None or hit[0] is not embedder:
        exemplars = load_exemplars()
        vectors = np.asarray(embedder.embed(list(exemplars.texts)), dtype=float)
        hit = (embedder, exemplars, vectors)
        _cache[id(embedder)] = hit
    return hit[1], hit[2]


def normativity_score(question: str, embedder: TextEmbedder, k: int = 5) -> float:
    """Share of normative exemplars among the k nearest to the question (0..1)."""
    return float(normativity_scores(embedder.embed([question]), embedder, k)[0])


def normativity_scores(queries: Any, embedder: TextEmbedder, k: int = 5) -> np.ndarray:
    """normativity_score of questions already embedded by `embedder` (one row each)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    exemplars, vectors = _embedded(embedder)
    sims = np.asarray(queries, dtype=float) @ vectors.T
    # Stable tie-break by exemplar order keeps the vote deterministic.
    nearest = np.argsort(-sims, axis=1, kind="stable")[:, : min(k, len(vectors))]
    return exemplars.normative[nearest].mean(axis=1)


def is_value_laden(
    question: str, embedder: TextEmbedder, k: int = 5, threshold: float = DEFAULT_THRESHOLD
) -> tuple[bool, float]:
    """(score >= threshold, score); pass a profile's normative_threshold as threshold."""
    score = normativity_score(question, embedder, k)
    return score >= threshold, score

"""The facet library: editable, curated readings for common kinds of underspecification.

A small model asked to rewrite a request into specific readings (prompts/interpret.txt)
mostly answers it instead, so its rewrites rarely survive the interpret filters. Facets
(prompts/facets.yaml, plus <data_dir>/facets.yaml if present) are a second source of
readings that people edit: each has exemplar requests it applies to and 2-4 reading
templates over the request. A request matches the facet holding its most similar
exemplar (cosine of the shared sentence embedder, nearest neighbour) when that
similarity clears the file's threshold. Every entry is validated; a bad one is rejected
with a message naming the file, the entry (index and id) and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.config import (
    PROMPTS_DIR,
    Slug,
    read_data_file,
    validate_unique_entries,
)
from agent.errors import ConfigError
from uncertainty.embeddings import TextEmbedder

FACETS_PATH = PROMPTS_DIR / "facets.yaml"
USER_FILENAME = "facets.yaml"
DEFAULT_THRESHOLD = 0.55
_END = re.compile(r"[\s?.!]+$")


class Facet(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    id: Slug
    description: str = Field(min_length=1, max_length=1000)
    exemplars: tuple[str, ...] = Field(min_length=3, max_length=20)
    readings: tuple[str, ...] = Field(min_length=2, max_length=4)

    @field_validator("exemplars")
    @classmethod
    def _exemplars(cls, items: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(t.strip() for t in items)
        if any(not t for t in cleaned):
            raise ValueError("exemplars must be non-empty strings")
        return cleaned

    @field_validator("readings")
    @classmethod
    def _templates(cls, items: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(t.strip() for t in items)
        for t in cleaned:
            if "$request" not in t and "${request}" not in t:
                raise ValueError(f"reading {t!r} must contain $request")
            try:
                Template(t).substitute(request="x")
            except (KeyError, ValueError) as exc:
                raise ValueError(f"reading {t!r}: only $request may be used ({exc})") from None
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("readings must differ from each other")
        return cleaned

    def render(self, request: str) -> list[str]:
        """The readings of `request`: the templates over the request without its final
        punctuation, which is put back at the end ('How hot…?' -> '…, in Celsius?')."""
        stripped = _END.sub("", request.strip())
        end = request.strip()[len(stripped) :].strip()[:1]
        return [Template(t).substitute(request=stripped) + end for t in self.readings]


@dataclass(frozen=True)
class FacetLibrary:
    facets: tuple[Facet, ...]
    threshold: float = DEFAULT_THRESHOLD


FIELDS = "id, description, exemplars and readings"


def _read(path: Path) -> tuple[list[Any], float | None]:
    data = read_data_file(path)
    if data is None:
        return [], None
    if not isinstance(data, dict) or not isinstance(data.get("facets"), list):
        raise ConfigError(f"{path}: expected a list of facets under 'facets'.")
    threshold = data.get("threshold")
    if threshold is not None and (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not -1.0 <= threshold <= 1.0
    ):
        raise ConfigError(f"{path}: field 'threshold': expected a number between -1 and 1.")
    return data["facets"], None if threshold is None else float(threshold)


def load_facets(path: Path = FACETS_PATH, extra: Path | None = None) -> FacetLibrary:
    """The facets of `path`, then those of `extra` (a user file or data dir) if it exists.
    The threshold comes from `path` (the user file may override it)."""
    paths = [Path(path)]
    if extra is not None:
        extra = Path(extra).expanduser()
        if extra.is_dir():
            extra = extra / USER_FILENAME
        if extra.is_file():
            paths.append(extra)
    facets: list[Facet] = []
    taken: dict[str, str] = {}
    threshold = DEFAULT_THRESHOLD
    for p in paths:
        entries, file_threshold = _read(p)
        if file_threshold is not None:
            threshold = file_threshold
        facets += validate_unique_entries(Facet, entries, p, taken, FIELDS)
    return FacetLibrary(tuple(facets), threshold)


# Exemplar embeddings per (library, embedder) instance: both are fixed for their lifetime.
_cache: dict[tuple[int, int], tuple[Any, Any, np.ndarray, np.ndarray]] = {}


def _embedded(library: FacetLibrary, embedder: TextEmbedder) -> tuple[np.ndarray, np.ndarray]:
    key = (id(library), id(embedder))
    hit = _cache.get(key)
    if hit is None or hit[0] is not library or hit[1] is not embedder:
        texts = [x for f in library.facets for x in f.exemplars]
        owner = np.array([i for i, f in enumerate(library.facets) for _ in f.exemplars])
        vectors = np.asarray(embedder.embed(texts), dtype=float) if texts else np.zeros((0, 1))
        hit = (library, embedder, vectors, owner)
        _cache[key] = hit
    return hit[2], hit[3]


def best_facet(
    request: str, library: FacetLibrary, embedder: TextEmbedder
) -> tuple[Facet | None, float]:
    """(the facet holding the exemplar nearest to the request, its cosine similarity);
    (None, -1.0) for an empty library. Ties go to the earlier facet."""
    if not library.facets:
        return None, -1.0
    vectors, owner = _embedded(library, embedder)
    query = np.asarray(embedder.embed([request]), dtype=float)[0]
    sims = vectors @ query
    nearest = int(np.argmax(sims))  # first maximum: file order breaks ties
    return library.facets[int(owner[nearest])], float(sims[nearest])


def match(request: str, library: FacetLibrary, embedder: TextEmbedder) -> list[str]:
    """The readings of the best-matching facet, or [] when none clears the threshold."""
    facet, score = best_facet(request, library, embedder)
    if facet is None or score < library.threshold:
        return []
    return facet.render(request)

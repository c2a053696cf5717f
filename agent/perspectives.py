"""The perspective registry: value positions people can read, extend and contest.

Shipped entries live in prompts/perspectives.yaml; the operator adds their own in
<data_dir>/perspectives.yaml, by hand or by accepting a proposal (`python -m agent
perspectives accept ID`, which calls `add_perspective`; proposals made in the UI wait in
agent.participation until then). Every entry is validated, its text is plain (see
agent.sanitize); a bad one is rejected with a message that names the file, the entry
(index and id) and the field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.config import PROMPTS_DIR, Slug, parse_entry, read_data_file, validate_unique_entries
from agent.errors import ConfigError, InvalidInputError
from agent.files import atomic_write_text, locked
from agent.sanitize import check_tags, check_text
from uncertainty.embeddings import TextEmbedder

if TYPE_CHECKING:
    from agent.adapters import CultureAdapters

REGISTRY_PATH = PROMPTS_DIR / "perspectives.yaml"
USER_FILENAME = "perspectives.yaml"
MAX_TAGS = 5


def _plain(text: str, max_chars: int, multiline: bool = False) -> str:
    """check_text for a pydantic validator (its errors must be ValueErrors)."""
    try:
        return check_text(text, "text", max_chars=max_chars, multiline=multiline)
    except InvalidInputError as exc:
        raise ValueError(str(exc).removeprefix("text: ")) from None


class Provenance(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    contributor: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=1000)

    @field_validator("contributor", "source")
    @classmethod
    def _plain_text(cls, text: str) -> str:
        return _plain(text, 1000)


class Perspective(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    id: Slug
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=1000)
    prompt: str = Field(min_length=1, max_length=1000)
    provenance: Provenance
    tags: tuple[str, ...] = Field(min_length=1, max_length=MAX_TAGS)
    group: str | None = Field(default=None, min_length=1, max_length=100)
    """A cultural group (a country of prompts/cultures.yaml) this perspective speaks for: on
    a question with lettered options its shares come from the culture adapters."""

    @field_validator("name", "group")
    @classmethod
    def _plain_name(cls, text: str | None) -> str | None:
        return None if text is None else _plain(text, 100)

    @field_validator("description", "prompt")
    @classmethod
    def _plain_paragraph(cls, text: str) -> str:
        return _plain(text, 1000, multiline=True)

    @field_validator("tags")
    @classmethod
    def _clean_tags(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        try:
            return tuple(check_tags(list(tags), max_tags=MAX_TAGS))
        except InvalidInputError as exc:
            raise ValueError(str(exc).removeprefix("tags: ")) from None

    @property
    def family(self) -> str:
        """The first tag: the group selection spreads across (e.g. 'ethical-framework')."""
        return self.tags[0]


FIELDS = "id, name, description, prompt, provenance, tags and group"


def validate_entry(entry: Any, index: int | None = None, source: str = "") -> Perspective:
    """A Perspective from a mapping, or ConfigError naming the source, entry and field."""
    return parse_entry(Perspective, entry, index, source, FIELDS)


def _read_entries(path: Path) -> list[Any]:
    data = read_data_file(path)
    if data is None:
        return []
    if isinstance(data, dict):
        data = data.get("perspectives", None)
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a list of perspectives under 'perspectives'.")
    return data


def _load_file(path: Path, taken: dict[str, str]) -> list[Perspective]:
    """Validate every entry of a file; `taken` maps ids seen so far to their file."""
    return validate_unique_entries(Perspective, _read_entries(path), path, taken, FIELDS)


def user_registry_path(data_dir: Path) -> Path:
    return Path(data_dir) / USER_FILENAME


def load_registry(extra: Path | None = None) -> list[Perspective]:
    """Shipped perspectives, then those in `extra` (a user file, or a data dir) if it exists."""
    taken: dict[str, str] = {}
    registry = _load_file(REGISTRY_PATH, taken)
    if extra is not None:
        extra = Path(extra).expanduser()
        if extra.is_dir():
            extra = user_registry_path(extra)
        if extra.is_file():
            registry += _load_file(extra, taken)
    return registry


def add_perspective(entry: dict[str, Any], path: Path) -> Perspective:
    """Validate a perspective and append it to the user file at `path`: under a lock
    (other processes may add at the same time) and by an atomic replace."""
    path = Path(path).expanduser()
    with locked(path):
        existing = _read_entries(path) if path.is_file() else []
        taken: dict[str, str] = {}
        _load_file(REGISTRY_PATH, taken)
        if existing:
            _load_file(path, taken)
        perspective = validate_entry(entry, len(existing), str(path))
        if perspective.id in taken:
            raise ConfigError(
                f"A perspective with id '{perspective.id}' already exists "
                f"({taken[perspective.id]}); choose another id."
            )
        existing.append(perspective.model_dump(mode="json"))
        text = yaml.safe_dump({"perspectives": existing}, sort_keys=False, allow_unicode=True)
        atomic_write_text(path, text)
    return perspective


def voices(
    request: str, registry: Sequence[Perspective], cultures: CultureAdapters | None = None
) -> list[Perspective]:
    """The perspectives that may speak on a request: on a question with lettered options,
    the cultural groups the culture adapters cover (their shares come from the adapters),
    if any; otherwise every perspective that names no group."""
    from agent.cultures import parse_options

    if cultures is not None and parse_options(request):
        groups = [p for p in registry if p.group and cultures.covers(p.group)]
        if groups:
            return groups
    return [p for p in registry if p.group is None]


def select_perspectives(
    question: str,
    registry: Sequence[Perspective],
    k: int,
    embedder: TextEmbedder | None = None,
    *,
    redundancy: float = 0.3,
) -> list[Perspective]:
    """k perspectives relevant to the question, spread across families, deterministically.

    Relevance is the cosine similarity of the question to each perspective's name,
    description and tags (registry order without an embedder). Picks go round-robin over
    families, most relevant family first, so k=4 never returns four variants of one lens;
    a family of one (e.g. a single contribution with a new first tag) gets no lane of its
    own: it competes in the most relevant family's lane, so no single contribution is
    guaranteed a slot on every question;
    within a family the pick maximises relevance minus `redundancy` times its similarity
    to perspectives already picked (maximal marginal relevance), so two near-identical
    views (e.g. autonomy and liberty) do not crowd out a contrasting one.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    items = list(registry)
    if embedder is None:
        relevance, similarity = np.zeros(len(items)), np.zeros((len(items), len(items)))
    else:
        texts = [f"{p.name}. {p.description} ({', '.join(p.tags)})" for p in items]
        vectors = np.asarray(embedder.embed([question, *texts]), dtype=float)
        relevance, similarity = vectors[1:] @ vectors[0], vectors[1:] @ vectors[1:].T
    size = Counter(p.family for p in items)
    families: dict[str, list[int]] = {}
    loners: list[int] = []
    for i in sorted(range(len(items)), key=lambda i: (-relevance[i], i)):
        if size[items[i].family] > 1 or len(size) == 1:
            families.setdefault(items[i].family, []).append(i)  # best family first
        else:
            loners.append(i)
    if loners:  # they compete inside the most relevant family's lane
        lane = next(iter(families.values()), [])
        lane[:] = sorted([*lane, *loners], key=lambda i: (-relevance[i], i))
        families = families or {"": lane}
    picked: list[int] = []
    while len(picked) < min(k, len(items)):
        for pool in families.values():
            if not pool or len(picked) >= k:
                continue

            def score(i: int) -> float:
                overlap = max((similarity[i, j] for j in picked), default=0.0)
                return relevance[i] - redundancy * overlap

            best = max(pool, key=lambda i: (score(i), -i))  # ties: registry order
            pool.remove(best)
            picked.append(best)
    return [items[i] for i in picked]

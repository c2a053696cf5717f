"""The clarifying question: ask about what is actually missing from the request.

Two steps, both cheap and deterministic:

1. what is missing: a kind from CLAMBER's taxonomy (prompts/clarifying_questions.yaml),
   predicted from the request's sentence embedding by a multinomial logistic regression
   fitted on CLAMBER's train split (`python -m eval fit-question-kinds`; weights and card
   in agent/question_kinds/);
2. the question: that kind's template with its slots filled from the request (the
   pronoun and its two candidate referents, the unfamiliar name, the two stated
   alternatives), or the kind's slot-free fallback. With readings to offer, the question
   names them instead.

Without readings the question is open and the user's typed reply resumes the thread
(`agent.nodes.respond.fold_reply` folds free text into the request).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

import numpy as np

from agent.config import PROMPTS_DIR, read_data_file
from agent.errors import ConfigError

if TYPE_CHECKING:
    from uncertainty.embeddings import TextEmbedder

TEMPLATES_PATH = PROMPTS_DIR / "clarifying_questions.yaml"
WEIGHTS_PATH = Path(__file__).with_name("question_kinds") / "weights.json"


@dataclass(frozen=True)
class ClarifyingQuestion:
    text: str
    kind: str  # CLAMBER subclass, or "options" when readings were named
    category: str  # FD / LA / MC, or "" for options
    probability: float  # the kind model's probability of `kind` (1.0 for options)
    filled: bool  # the kind's template with slots from the request (False: fallback)


@dataclass(frozen=True)
class KindTemplate:
    category: str
    question: str
    fallback: str


@dataclass(frozen=True)
class Templates:
    options: str
    kinds: dict[str, KindTemplate]


def load_templates(path: Path = TEMPLATES_PATH) -> Templates:
    data = read_data_file(path)
    if not isinstance(data, dict) or not isinstance(data.get("kinds"), dict):
        raise ConfigError(f"{path}: expected 'options' and a mapping under 'kinds'.")
    kinds = {}
    for name, entry in data["kinds"].items():
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) and entry[k] for k in ("category", "question", "fallback")
        ):
            raise ConfigError(f"{path}: kind {name!r} needs 'category', 'question', 'fallback'.")
        kinds[str(name)] = KindTemplate(entry["category"], entry["question"], entry["fallback"])
    if not isinstance(data.get("options"), str) or "$options" not in data["options"]:
        raise ConfigError(f"{path}: 'options' must be a template using $options.")
    return Templates(data["options"], kinds)


@dataclass(frozen=True)
class KindModel:
    """Softmax regression over unit sentence embeddings: kinds x dim weights + bias."""

    kinds: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        z = np.atleast_2d(vectors) @ self.coef.T + self.intercept
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def to_json(self) -> dict:
        return {
            "kinds": list(self.kinds),
            "coef": np.round(self.coef, 6).tolist(),
            "intercept": np.round(self.intercept, 6).tolist(),
        }

    @classmethod
    def from_json(cls, data: dict) -> KindModel:
        return cls(tuple(data["kinds"]), np.asarray(data["coef"]), np.asarray(data["intercept"]))


def load_kind_model(path: Path = WEIGHTS_PATH) -> KindModel:
    try:
        return KindModel.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"cannot read the question-kind weights {path}: {exc}") from exc


UNFILLED_WEIGHT = 0.5


class QuestionWriter:
    def __init__(
        self,
        embedder: TextEmbedder,
        model: KindModel | None = None,
        templates: Templates | None = None,
    ):
        self.embedder = embedder
        self.model = model or load_kind_model()
        self.templates = templates or load_templates()
        unknown = set(self.model.kinds) - set(self.templates.kinds)
        if unknown:
            raise ConfigError(f"question kinds without a template: {sorted(unknown)}")

    def question(self, request: str, options: Sequence[str] = ()) -> ClarifyingQuestion:
        """Name the options when there are some; else the likeliest kind's question, a
        kind whose template the request fills counting UNFILLED_WEIGHT^-1 times more."""
        if len(options) >= 2:
            text = Template(self.templates.options).safe_substitute(options=_join(options))
            return ClarifyingQuestion(text, "options", "", 1.0, True)
        p = self.model.probabilities(self.embedder.embed([request]))[0]
        kinds = zip(self.model.kinds, p, strict=True)
        candidates = [self.for_kind(request, k, float(q)) for k, q in kinds]
        return max(candidates, key=lambda c: c.probability * (1 if c.filled else UNFILLED_WEIGHT))

    def for_kind(self, request: str, kind: str, probability: float = 1.0) -> ClarifyingQuestion:
        t = self.templates.kinds[kind]
        slots = extract_slots(request)
        try:
            text, filled = Template(t.question).substitute(slots), True
        except KeyError:
            text, filled = t.fallback, False
        return ClarifyingQuestion(text, kind, t.category, probability, filled)


def _join(options: Sequence[str]) -> str:
    items = [o.strip().rstrip("?.!") for o in options]
    return ", ".join(items[:-1]) + ", or " + items[-1]


# -- slots: what a request says about what it leaves open ------------------------------

MAX_SLOT_CHARS = 1000  # slots come from the request's first line, at most this long
_PRONOUN = re.compile(r"\b(he|she|they|him|her|them|his|their|it)\b", re.IGNORECASE)
_REFERENT = re.compile(r"\b(?i:the|my|your)\s+[a-z][\w-]*|\b[A-Z][a-z][\w'-]*")
_EITHER = re.compile(r"either\s+[\"']([^\"']+)[\"']\s+or\s+[\"']([^\"']+)[\"']", re.IGNORECASE)
_NAME = re.compile(r"\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*")
_OBJECT_TAIL = re.compile(r"\b(?:of|in|for|about|on|by)\s+([A-Z][\w'-]*(?:\s+[\w'-]+)*)\s*\?\s*$")
_QUESTION_WORDS = frozenset(
    re.findall(
        r"\w+",
        "who what when where which why how is are was were do does did can could should would "
        "will give tell list name please i the a an in on",
    )
)


def extract_slots(request: str) -> dict[str, str]:
    """The slots a request fills; a slot is absent when the request does not show it."""
    first = request.strip().splitlines()[0][:MAX_SLOT_CHARS] if request.strip() else ""
    slots: dict[str, str] = {}
    either = _EITHER.search(request[: 4 * MAX_SLOT_CHARS])
    if either:
        slots["either"], slots["or"] = either.group(1).strip(), either.group(2).strip()
    pronoun = _PRONOUN.search(first)
    if pronoun:
        before = [_referent(m.group(0)) for m in _REFERENT.finditer(first[: pronoun.start()])]
        people = list(dict.fromkeys(r for r in before if r))
        if len(people) >= 2:
            slots["pronoun"] = pronoun.group(1).lower()
            slots["first"], slots["second"] = people[0], people[1]
    term = _term(first)
    if term:
        slots["term"] = term
    return slots


def _referent(phrase: str) -> str:
    words = phrase.split()
    if words[0].lower() in {"the", "my", "your"}:
        return " ".join([words[0].lower(), *words[1:]])
    return "" if phrase.lower() in _QUESTION_WORDS else phrase


def _term(text: str) -> str:
    """The name the request turns on: a trailing 'of X y z?' object, else its last
    capitalised run that is not a question word."""
    tail = _OBJECT_TAIL.search(text)
    if tail:
        return tail.group(1).strip()
    names = []
    for run in _NAME.finditer(text):
        words = run.group(0).split()
        while words and words[0].lower() in _QUESTION_WORDS:
            words.pop(0)
        if words:
            names.append(" ".join(words))
    return names[-1] if names else ""

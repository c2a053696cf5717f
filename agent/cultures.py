"""Cultural groups and the one prompt format the culture adapters are trained and used with.

A group is a country as GlobalOpinionQA names it; `prompts/cultures.yaml` puts each in a
region (one LoRA expert per region). The prompt is the question with lettered options
(the prefix, shared by every group) followed by the group (the suffix):

    Question: <question>
    Options: A. <option> B. <option> ...
    Country: <group>
    Answer:

and a group's answer distribution is the model's next-token distribution over the option
letters (" A", " B", ...), renormalised over the question's options.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from agent.config import PROMPTS_DIR, read_data_file
from agent.errors import ConfigError

CULTURES_PATH = PROMPTS_DIR / "cultures.yaml"
LETTERS = "ABCDE"
MAX_OPTIONS = len(LETTERS)


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    groups: tuple[str, ...]


@lru_cache(maxsize=4)
def load_regions(path: Path = CULTURES_PATH) -> tuple[Region, ...]:
    data = read_data_file(path) or {}
    regions = data.get("regions") if isinstance(data, dict) else None
    if not isinstance(regions, dict) or not regions:
        raise ConfigError(f"{path}: expected a mapping 'regions' of region id -> name, groups.")
    out = []
    for rid, entry in regions.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("groups"), list):
            raise ConfigError(f"{path}: region {rid!r} needs a list 'groups'.")
        out.append(Region(str(rid), str(entry.get("name", rid)), tuple(map(str, entry["groups"]))))
    seen: dict[str, str] = {}
    for r in out:
        for g in r.groups:
            if g in seen:
                raise ConfigError(f"{path}: group {g!r} is in regions {seen[g]!r} and {r.id!r}.")
            seen[g] = r.id
    return tuple(out)


def region_of(group: str, regions: Sequence[Region] | None = None) -> str | None:
    """The region id of a group (case-insensitive), or None if no region lists it."""
    key = group.strip().casefold()
    for r in regions if regions is not None else load_regions():
        if any(g.casefold() == key for g in r.groups):
            return r.id
    return None


def question_prefix(question: str, options: Sequence[str]) -> str:
    """'Question: ...\\nOptions: A. ... B. ...' (GlobalOpinionQA's own layout)."""
    if not 2 <= len(options) <= MAX_OPTIONS:
        raise ValueError(f"a question needs 2 to {MAX_OPTIONS} options, got {len(options)}")
    lettered = " ".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(options))
    return f"Question: {question.strip()}\nOptions: {lettered}"


def group_suffix(group: str) -> str:
    return f"\nCountry: {group.strip()}\nAnswer:"


def encode(tokenizer, prefix: str, suffix: str) -> tuple[list[int], int]:
    """Token ids of prefix + suffix, tokenized apart (so a prefix's ids are shared by every
    group), and the prefix length."""
    head = tokenizer(prefix, add_special_tokens=False)["input_ids"]
    tail = tokenizer(suffix, add_special_tokens=False)["input_ids"]
    return list(head) + list(tail), len(head)


def letter_ids(tokenizer, n: int) -> list[int]:
    """The token ids of ' A', ' B', ... for n options (each must be one token)."""
    ids = []
    for letter in LETTERS[:n]:
        tokens = tokenizer(f" {letter}", add_special_tokens=False)["input_ids"]
        if len(tokens) != 1:
            raise ValueError(f"' {letter}' is not one token for this tokenizer: {tokens}")
        ids.append(tokens[0])
    return ids


_LETTERED = re.compile(r"(^|\s)\(?([A-E])([.):])\s+")
_OPTIONS_CUE = re.compile(r"\s*Options:\s*$", re.IGNORECASE)


def parse_options(text: str) -> tuple[str, list[str]] | None:
    """(question, options) of a request that lists lettered options ('A. yes B. no', or one
    'A) ...' per line), or None. Letters must run A, B, C ... with at least two, all
    marked alike ('A.' or 'A)'), and the list must read as one: after 'Options:', after
    a question ending in '?' or ':', or one option per line. Prose that only mentions
    letters ('I got an A. My brother got a B.', 'plan A: ..., plan B: ...') is none."""
    text = text.strip()
    marks = list(_LETTERED.finditer(text))
    start = next((i for i, m in enumerate(marks) if m.group(2) == "A"), None)
    if start is None:
        return None
    marks = marks[start:]
    run = [marks[0]]
    for m in marks[1:]:
        if m.group(2) == LETTERS[len(run)] and m.group(3) == run[0].group(3):
            run.append(m)
        if len(run) == MAX_OPTIONS:
            break
    if len(run) < 2:
        return None
    ends = [m.start() for m in run[1:]] + [len(text)]
    options = [text[m.end() : e].strip() for m, e in zip(run, ends, strict=True)]
    head = text[: run[0].start()]
    question = _OPTIONS_CUE.sub("", head).strip()
    listed = (
        question != head.strip()
        or question.endswith(("?", ":"))
        or all(m.group(1) == "\n" or m.start() == 0 for m in run)
    )
    question = re.sub(r"^Question:\s*", "", question, flags=re.IGNORECASE).strip()
    if not listed or not question or not all(options):
        return None
    return question, options

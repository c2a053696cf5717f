"""(vague request, specific reading) pairs for the interpreter adapter, split by request.

Sources (the raw files under the data dir; a pair's split is its REQUEST's fixed split,
eval/splits.py, the same text the data set's Item carries, so no test request is seen in
training, with any of its readings):
- AmbigNQ: a question with a `multipleQAs` annotation; each disambiguated question is a
  reading;
- AmbiEnt: an ambiguous premise; each disambiguation's premise (when it differs) is a
  reading (statements: they teach specific rewrites, though the interpret step keeps only
  questions);
- CLAMBER: an ambiguous request whose clarifying question lists the alternatives
  ("Which one: A, B, or C?", the rows it took from AmbigQA); each alternative becomes
  a reading "<request>, <alternative>?". Its other clarifying questions ask the user for
  context ("Can you provide your budget?") and are no reading of the request: not used.

Subsample (the CPU budget): a seeded sample of at most REQUESTS[split] requests per split
and source, every reading of a sampled request kept (at most MAX_READINGS of them).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from eval.splits import Split, split_of_text

SEED = 0
SOURCES = ("ambignq", "ambient", "clamber")
REQUESTS: dict[str, dict[str, int]] = {
    "ambignq": {"train": 200, "dev": 30, "test": 100},
    "ambient": {"train": 60, "dev": 15, "test": 40},
    "clamber": {"train": 60, "dev": 15, "test": 40},
}
MAX_READINGS = 3
MAX_CHARS = 200
_WHICH = re.compile(r"^Which [^:?]{0,40}: (.+)\?$")


@dataclass(frozen=True)
class Request:
    source: str
    text: str
    readings: tuple[str, ...]
    split: Split


def _jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            rec = json.loads(line)
            yield json.loads(rec) if isinstance(rec, str) else rec


def _clean(texts, request: str) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for t in texts:
        t = " ".join(str(t).split())
        if t and len(t) <= MAX_CHARS and t.casefold() != request.casefold():
            seen.setdefault(t.casefold(), t)
    return tuple(seen.values())[:MAX_READINGS]


def ambignq(folder: Path) -> Iterator[tuple[str, list[str]]]:
    for row in json.loads((folder / "dev_light.json").read_text(encoding="utf-8")):
        qs = [
            p["question"]
            for a in row["annotations"]
            if a["type"] == "multipleQAs"
            for p in a["qaPairs"]
        ]
        if qs:
            yield row["question"], qs


def ambient(folder: Path) -> Iterator[tuple[str, list[str]]]:
    by_premise: dict[str, list[str]] = {}
    for split in ("dev", "test"):
        for row in _jsonl(folder / f"{split}.jsonl"):
            if row["premise_ambiguous"]:
                by_premise.setdefault(row["premise"], []).extend(
                    d["premise"] for d in row["disambiguations"]
                )
    yield from by_premise.items()


def alternatives(clarifying_question: str) -> list[str]:
    """'Which one: A, B, or C?' -> [A, B, C]; [] for any other clarifying question."""
    m = _WHICH.match(clarifying_question.strip())
    if not m:
        return []
    parts = re.split(r",\s*(?:or\s+)?|\s+or\s+", m.group(1))
    return [p.strip() for p in parts if p.strip()]


def clamber(folder: Path) -> Iterator[tuple[str, list[str]]]:
    for rec in _jsonl(folder / "clamber_benchmark.jsonl"):
        options = alternatives(rec["clarifying_question"]) if rec["require_clarification"] else []
        if len(options) >= 2:
            stem = rec["question"].strip().rstrip("?").strip()
            yield rec["question"], [f"{stem}, {o}?" for o in options]


LOADERS = {"ambignq": ambignq, "ambient": ambient, "clamber": clamber}


def all_requests(data_dir: Path, sources=SOURCES) -> list[Request]:
    """Every usable request of the sources, with its fixed split (no subsample)."""
    out = []
    for source in sources:
        for text, readings in LOADERS[source](Path(data_dir) / source):
            kept = _clean(readings, text)
            if len(kept) >= 2 or (source == "ambient" and kept):
                out.append(Request(source, text, kept, split_of_text(text)))
    return out


def subsample(
    requests: list[Request], sizes: dict[str, dict[str, int]] | None = None, seed: int = SEED
) -> list[Request]:
    """Seeded sample per source and split (sorted first: independent of file order)."""
    sizes = sizes or REQUESTS
    rng = random.Random(seed)
    out = []
    for source, per_split in sizes.items():
        for split, n in per_split.items():
            pool = sorted(
                (r for r in requests if r.source == source and r.split == split),
                key=lambda r: r.text,
            )
            out += rng.sample(pool, min(n, len(pool)))
    return out


def pairs(requests: list[Request]) -> list[tuple[str, str]]:
    """(request, reading): one training example per reading."""
    return [(r.text, reading) for r in requests for reading in r.readings]

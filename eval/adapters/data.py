"""GlobalOpinionQA rows for the culture adapters, split by question, and the subsample.

Rows are (question, country) pairs with the country's answer distribution. The split is
the project's fixed split by QUESTION (eval/splits.py): every country of a question is in
one split, so no test question is seen in training for any country.

The subsample (the CPU budget: the whole family trains in well under an hour on a shared
2-core machine) is fixed and seeded:
- countries: the 45 national samples listed in prompts/cultures.yaml (those with about
  50+ rows), in 6 regions; the other 85 countries (most with < 50 rows, "non-national"
  samples) are not used;
- short prompts: questions whose prefix (question + lettered options) is at most
  MAX_PREFIX_CHARS characters;
- questions: a seeded sample of QUESTIONS[split] questions per split, every selected
  country of a sampled question kept.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agent.cultures import Region, load_regions, question_prefix, region_of
from eval.data import DATASETS
from eval.splits import Split, split_of

SEED = 0
MAX_PREFIX_CHARS = 320
QUESTIONS: dict[str, int] = {"train": 200, "dev": 60, "test": 150}


@dataclass(frozen=True)
class Row:
    question: str
    options: tuple[str, ...]
    country: str
    region: str
    distribution: tuple[float, ...]
    split: Split

    @property
    def prefix(self) -> str:
        return question_prefix(self.question, self.options)

    @property
    def target(self) -> np.ndarray:
        return np.asarray(self.distribution, dtype=np.float64)


def _question_of(text: str) -> str:
    """The question alone, from GlobalOpinionQA's 'Question: ...\\nOptions: ...' text."""
    return text.split("\nOptions:")[0].removeprefix("Question:").strip()


def all_rows(data_dir: Path, regions: tuple[Region, ...] | None = None) -> list[Row]:
    """Every row of a listed country (no subsample), with its fixed split."""
    regions = regions or load_regions()
    rows = []
    for item in DATASETS["globalopinionqa"].load(data_dir):
        region = region_of(item.meta["country"], regions)
        if region is None:
            continue
        rows.append(
            Row(
                question=_question_of(item.text),
                options=tuple(item.meta["options"]),
                country=item.meta["country"],
                region=region,
                distribution=tuple(item.meta["distribution"]),
                split=split_of(item),
            )
        )
    return rows


def subsample(
    rows: list[Row], questions: dict[str, int] | None = None, seed: int = SEED
) -> list[Row]:
    """Seeded sample of short questions per split; all listed countries of each kept."""
    questions = questions or QUESTIONS
    rng = random.Random(seed)
    keep: set[str] = set()
    for split, n in questions.items():
        pool = sorted(
            {r.question for r in rows if r.split == split and len(r.prefix) <= MAX_PREFIX_CHARS}
        )
        keep |= set(rng.sample(pool, min(n, len(pool))))
    return [r for r in rows if r.question in keep]


def by_split(rows: list[Row]) -> dict[str, list[Row]]:
    return {s: [r for r in rows if r.split == s] for s in ("train", "dev", "test")}

"""GlobalOpinionQA, Modular Pluralism's (question x country) subset.

contested = the largest option share < 0.6 in that country.
"""

from __future__ import annotations

import json
from pathlib import Path

from eval.data.base import Item

CONTESTED_BELOW = 0.6


def _strip(question: str) -> str:
    """Drop the trailing 'Answer:' cue: the agent is asked as a user would ask."""
    text = question.strip()
    return text[: -len("Answer:")].rstrip() if text.endswith("Answer:") else text


def load_globalopinionqa(folder: Path) -> list[Item]:
    path = Path(folder) / "distributional_test_globalopinionqa_small.json"
    with open(path, encoding="utf-8") as handle:
        rows = json.load(handle)
    items = []
    for row in rows:
        dist = [float(x) for x in row["gold_distribution"]]
        items.append(
            Item(
                id=f"goqa-{row['id']}",
                dataset="globalopinionqa",
                text=_strip(row["question"]),
                label="contested" if max(dist) < CONTESTED_BELOW else "consensus",
                meta={
                    "options": list(row["options"]),
                    "distribution": dist,
                    "country": row["attribute"],
                },
            )
        )
    return items

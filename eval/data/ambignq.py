"""AmbigNQ light dev (Min et al., EMNLP 2020).

ambiguous = some annotation is `multipleQAs`; single = every annotation `singleAnswer`,
and then any string in any `answer` list is a correct answer.
"""

from __future__ import annotations

import json
from pathlib import Path

from eval.data.base import Item


def _kind(types: set[str]) -> str:
    if types == {"singleAnswer"}:
        return "all_singleAnswer"
    return "all_multipleQAs" if types == {"multipleQAs"} else "mixed"


def load_ambignq(folder: Path) -> list[Item]:
    with open(Path(folder) / "dev_light.json", encoding="utf-8") as handle:
        rows = json.load(handle)
    items = []
    for row in rows:
        anns = row["annotations"]
        kind = _kind({a["type"] for a in anns})
        answers = sorted({s for a in anns if a["type"] == "singleAnswer" for s in a["answer"] if s})
        items.append(
            Item(
                id=f"ambignq-{row['id']}",
                dataset="ambignq",
                text=row["question"],
                label="single" if kind == "all_singleAnswer" else "ambiguous",
                meta={
                    "kind": kind,
                    "answers": answers,
                    "readings": sum(len(a.get("qaPairs", [])) for a in anns),
                },
            )
        )
    return items

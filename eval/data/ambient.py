"""AmbiEnt (Liu et al., EMNLP 2023): ambiguous = premise_ambiguous or hypothesis_ambiguous."""

from __future__ import annotations

import json
from pathlib import Path

from eval.data.base import Item


def load_ambient(folder: Path) -> list[Item]:
    items = []
    for split in ("dev", "test"):
        with open(Path(folder) / f"{split}.jsonl", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                amb = bool(row["premise_ambiguous"] or row["hypothesis_ambiguous"])
                items.append(
                    Item(
                        id=f"ambient-{split}-{row['id']}",
                        dataset="ambient",
                        text=row["premise"],
                        label="ambiguous" if amb else "clear",
                        meta={
                            "split": split,
                            "premise": row["premise"],
                            "hypothesis": row["hypothesis"],
                            "labels": sorted(s.strip() for s in row["labels"].split(",")),
                            "readings": len(row["disambiguations"]),
                        },
                    )
                )
    return items

"""MoralChoice (Scherrer et al., NeurIPS 2023): low (common sense decides) vs high ambiguity."""

from __future__ import annotations

import csv
from pathlib import Path

from eval.data.base import Item


def load_moralchoice(folder: Path) -> list[Item]:
    items = []
    for level in ("low", "high"):
        path = Path(folder) / f"moralchoice_{level}_ambiguity.csv"
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                items.append(
                    Item(
                        id=f"moralchoice-{row['scenario_id']}",
                        dataset="moralchoice",
                        text=row["context"],
                        label=row["ambiguity"],
                        meta={
                            "action1": row["action1"],
                            "action2": row["action2"],
                            "rule": row["generation_rule"],
                        },
                    )
                )
    return items

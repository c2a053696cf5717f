"""CLAMBER (Zhang et al., ACL 2024): each line is double-encoded JSON (a JSON string of JSON)."""

from __future__ import annotations

import json
from pathlib import Path

from eval.data.base import Item


def load_clamber(folder: Path) -> list[Item]:
    items = []
    with open(Path(folder) / "clamber_benchmark.jsonl", encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            rec = json.loads(line)
            if isinstance(rec, str):
                rec = json.loads(rec)
            need = int(rec["require_clarification"])
            items.append(
                Item(
                    id=f"clamber-{n}",
                    dataset="clamber",
                    text=rec["question"],
                    label="ambiguous" if need else "clear",
                    meta={
                        "category": rec["category"],
                        "subclass": rec["subclass"],
                        "require_clarification": need,
                        "clarifying_question": rec["clarifying_question"].strip(),
                        # a stored output of an unnamed model: a baseline, never a label
                        "predict_ambiguous": int(rec["predict_ambiguous"]),
                    },
                )
            )
    return items

"""The hidden-state ablation of train-judges: does SmolLM2's mid-layer state pay on dev?

On one seeded subset of train and dev rows per judge (bounded cost; likely_wrong uses all
its rows), the feature sets without an auxiliary block are fitted with and without the
`hidden` block (eval.judges.features.hidden_states); the card reports the best fit per set.
"""

from __future__ import annotations

import random

import numpy as np

from eval.judges import features as F
from eval.judges.candidates import offered
from eval.judges.data import Row, split_idx
from eval.judges.train import SEED, select

ABLATION_ROWS = {"train": 400, "dev": 200}  # per judge; likely_wrong uses all its rows


def ablation_subset(rows: list[Row], judge: str) -> np.ndarray:
    """Seeded subset of train and dev rows for the hidden-state ablation (bounded cost)."""
    keep = np.zeros(len(rows), dtype=bool)
    if judge == "likely_wrong":
        keep[[r.split != "test" for r in rows]] = True
        return keep
    rng = random.Random(SEED)
    for split, n in ABLATION_ROWS.items():
        idx = [i for i, r in enumerate(rows) if r.split == split]
        keep[sorted(rng.sample(idx, min(n, len(idx))))] = True
    return keep


def hidden_state_ablation(judge, rows, feats, y, backend, cache, progress) -> list[dict]:
    """Dev AUROC with and without SmolLM2 hidden states, on one seeded subset (the feature
    sets without an auxiliary block: `offered` without --se-probe)."""
    sub = ablation_subset(rows, judge)
    texts = [r.text for r, k in zip(rows, sub, strict=True) if k]
    hidden = cache.compute("hidden", texts, F.hidden_states(backend), f"hidden ({judge})", progress)
    srows = [r for r, k in zip(rows, sub, strict=True) if k]
    sfeats = {b: v[sub] for b, v in feats.items()} | {"hidden": hidden}
    sets = offered(judge, se_probe=False)
    best_label = max(sets, key=lambda label: len(sets[label]))
    sets["hidden"] = ("hidden",)
    sets[f"{best_label} + hidden"] = (*sets[best_label], "hidden")
    idx = split_idx(srows)
    _, table = select(judge, sets, sfeats, y[sub], idx["train"], idx["dev"])
    best: dict[str, dict] = {}
    for row in table:  # the best model per feature set
        if row["features"] not in best or row["dev_auroc"] > best[row["features"]]["dev_auroc"]:
            best[row["features"]] = row
    n = {s: int(v.sum()) for s, v in idx.items() if s != "test"}
    return [dict(r, rows=n) for r in best.values()]

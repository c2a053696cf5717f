"""Fit the clarifying-question kind model (agent.clarifying) on CLAMBER's train split.

`python -m eval fit-question-kinds` embeds the ambiguous CLAMBER rows' requests with the
agent's embedder (all-MiniLM-L6-v2), fits a multinomial logistic regression from the
train rows' embeddings to their CLAMBER subclass, scores dev and test rows, and writes
the weights and a card (data sha256, split rule, row counts, metrics with bootstrap
intervals, the command) to agent/question_kinds/. Deterministic (lbfgs, no sampling).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from agent.clarifying import WEIGHTS_PATH, KindModel
from eval import metrics
from eval.data import DATASETS
from eval.data.base import Item

C = 1.0  # inverse L2 strength; dev accuracy 0.674 at 1.0 vs 0.667 / 0.652 / 0.641 at 0.3 / 3 / 10


def ambiguous_rows(data_dir: Path) -> dict[str, list[Item]]:
    """CLAMBER's ambiguous rows (those with a gold clarifying question), by fixed split."""
    from eval.splits import SPLITS, split_of

    rows = [it for it in DATASETS["clamber"].load(data_dir) if it.label == "ambiguous"]
    return {s: [it for it in rows if split_of(it) == s] for s in SPLITS}


def fit(data_dir: Path, embedder, seed: int = 0) -> tuple[KindModel, dict]:
    from sklearn.linear_model import LogisticRegression

    splits = ambiguous_rows(data_dir)
    x = {s: embedder.embed([it.text for it in rows]) for s, rows in splits.items()}
    y = {s: [it.meta["subclass"] for it in rows] for s, rows in splits.items()}
    lr = LogisticRegression(C=C, max_iter=5000).fit(x["train"], y["train"])
    model = KindModel(tuple(str(k) for k in lr.classes_), lr.coef_, lr.intercept_)
    scores = {}
    for s in ("dev", "test"):
        predicted = [model.kinds[i] for i in np.argmax(model.probabilities(x[s]), axis=1)]
        hits = np.array([p == t for p, t in zip(predicted, y[s], strict=True)], dtype=float)
        scores[s] = {
            "accuracy": metrics.with_ci(np.mean, hits, seed=seed),
            "recall_per_kind": {
                k: float(hits[[t == k for t in y[s]]].mean()) for k in model.kinds if k in y[s]
            },
        }
    card = {
        "what": "kind of missing information (CLAMBER subclass) from the request",
        "model": f"multinomial logistic regression (scikit-learn lbfgs, L2, C={C})",
        "features": "all-MiniLM-L6-v2 sentence embedding of the request (384-d, unit norm)",
        "data": DATASETS["clamber"].records(data_dir),
        "rows": "CLAMBER rows with require_clarification = 1 (they carry a gold question)",
        "split": "eval/splits.py (fixed by text hash, near-duplicates grouped); "
        "fitted on train only, C chosen on dev, test reported",
        "counts": {s: dict(sorted(Counter(v).items())) for s, v in y.items()},
        "metrics": scores,
        "command": "python -m eval " + " ".join(sys.argv[1:]),
    }
    return model, card


def write(model: KindModel, card: dict, path: Path = WEIGHTS_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**model.to_json(), "card": card}) + "\n", encoding="utf-8")
    path.with_name("card.md").write_text(card_markdown(card), encoding="utf-8")
    return path


def card_markdown(card: dict) -> str:
    lines = ["# Clarifying-question kind model", ""]
    lines += [f"- **{k}**: {card[k]}" for k in ("what", "model", "features", "rows", "split")]
    lines += [f"- **command**: `{card['command']}`", ""]
    lines += ["| file | bytes | sha256 |", "|---|---|---|"]
    lines += [
        f"| `{Path(d['path']).name}` | {d['bytes']} | `{d['sha256']}` |" for d in card["data"]
    ]
    lines += ["", "| split | rows per kind |", "|---|---|"]
    lines += [
        f"| {s} | {', '.join(f'{k} {n}' for k, n in c.items())} |"
        for s, c in card["counts"].items()
    ]
    lines += ["", "| split | accuracy [95% CI] | recall per kind |", "|---|---|---|"]
    for s, m in card["metrics"].items():
        acc = m["accuracy"]
        per = ", ".join(f"{k} {v:.2f}" for k, v in m["recall_per_kind"].items())
        lines.append(f"| {s} | {acc['value']:.3f} [{acc['lo']:.3f}, {acc['hi']:.3f}] | {per} |")
    return "\n".join(lines) + "\n"

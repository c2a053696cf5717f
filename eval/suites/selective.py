"""Selective answering on AmbigNQ single-answer questions with gold answers.

Correctness (eval/correctness.py): normalised exact match or whole-word containment of a
gold answer. Clarion's answer is its most probable cluster's representative; it hedges on
`epistemic` (the likely_wrong judge's probability); every other signal is reported beside it,
the sampled semantic entropy and epistemic included. Baselines answer greedily and rank
by token entropy or by (100 - verbalized confidence). AUROC is for predicting a wrong
answer from uncertainty.
"""

from __future__ import annotations

import numpy as np

from agent.policy import MOVES
from eval import metrics
from eval.baselines import confidence_of
from eval.correctness import match
from eval.harness import top_answer
from eval.suites.base import Suite, answered, cell, decision, signal_names, signals

COLUMNS = [
    "system",
    "n",
    "accuracy (no rejection)",
    "AUROC error vs. uncertainty [95% CI]",
    "AURAC [95% CI]",
    "PRR",
    "answered (move=answer)",
    "accuracy when answered",
]


def _row(name, correct, unc, seed, answered=None):
    c, u = np.asarray(correct, dtype=float), np.asarray(unc, dtype=float)
    row = [
        name,
        len(c),
        metrics.with_ci(np.mean, c, seed=seed),
        cell(metrics.auroc, 1 - c, u, seed=seed),
        cell(metrics.aurac, c, u, seed=seed),
        metrics.prr(c, u),
    ]
    if answered is None:
        return row + [1.0, float(c.mean()) if len(c) else None]
    a = np.asarray(answered, dtype=bool)
    return row + [float(a.mean()), float(c[a].mean()) if a.any() else None]


HEDGE = "epistemic"  # the component agent.policy hedges on


class SelectiveSuite(Suite):
    name = "selective"
    description = "AmbigNQ single-answer questions: semantic entropy vs. correctness"
    datasets = ("ambignq",)

    def select(self, data_dir, limit, seed, split="test"):
        items = self.sample(
            "ambignq",
            data_dir,
            limit,
            seed,
            keep=lambda it: it.label == "single" and it.meta["answers"],
            split=split,
        )
        return [it.to_dict() for it in items]

    def run(self, harness, selected):
        records = harness.kept
        for item in harness.progress(selected, "selective"):
            rec = harness.ask(item["text"])
            base = harness.baseline([{"role": "user", "content": item["text"]}], item["text"])
            gold = item["meta"]["answers"]
            harness.keep(
                {
                    "id": item["id"],
                    "label": item["label"],
                    "question": item["text"],
                    "gold": gold,
                    "clarion": rec,
                    "clarion_answer": top_answer(rec),
                    "clarion_match": match(top_answer(rec), gold),
                    "baseline": base,
                    "baseline_match": match(base["greedy_answer"], gold) if base else None,
                }
            )
        return records

    def score(self, records, seed, extra=None):
        records, dropped = answered(records)
        correct = [r["clarion_match"] is not None for r in records]
        moved = [r["clarion"]["kind"] == "answer" for r in records]
        rows, curves, roc = [], [], []
        names = sorted(signal_names(records, every=False), key=lambda n: not n.startswith(HEDGE))
        drives_hedge = next((n for n in names if n.startswith(HEDGE)), None)
        for name in names:  # the hedge-driving component (epistemic) first: see HEDGE
            keep = [i for i, r in enumerate(records) if name in signals(r["clarion"])]
            u = [signals(records[i]["clarion"])[name] for i in keep]
            c = [correct[i] for i in keep]
            drives = name == drives_hedge
            label = f"Clarion: {name}" + (" (drives hedge)" if drives else "")
            if len(keep) < len(records):  # e.g. sampled signals: turns answered unsampled lack them
                label += f" (the {len(keep)} rows that have it)"
            rows.append(_row(label, c, u, seed, [moved[i] for i in keep] if drives else None))
            curves.append({"label": name, "correct": c, "uncertainty": u})
            roc.append({"label": name, "y": [1 - x for x in c], "score": u})
        if records and all(r["baseline"] for r in records):
            g = [r["baseline_match"] is not None for r in records]
            judged = [
                n
                for n in signal_names(records)
                if n.startswith(HEDGE) and not n.endswith("(sampled)")
            ]
            for name in judged:  # the judge ranks the greedy answer it read, like the baselines
                u = [signals(r["clarion"])[name] for r in records]
                rows.append(_row(f"greedy answer ranked by {name}", g, u, seed))
            ent = [r["baseline"]["token_entropy"] for r in records]
            conf = [100 - confidence_of(r["baseline"]) for r in records]
            rows += [
                _row("always-answer (greedy)", g, np.zeros(len(g)), seed),
                _row("token entropy of greedy answer", g, ent, seed),
                _row("verbalized confidence (greedy)", g, conf, seed),
            ]
            curves += [
                {"label": "token entropy", "correct": g, "uncertainty": ent},
                {"label": "100 - verbalized confidence", "correct": g, "uncertainty": conf},
            ]
            roc += [
                {"label": "token entropy", "y": [1 - c for c in g], "score": ent},
                {"label": "100 - verbalized confidence", "y": [1 - c for c in g], "score": conf},
            ]
        kinds = {m: sum(r["clarion"]["kind"] == m for r in records) for m in (*MOVES, "error")}
        how = {k: sum(r["clarion_match"] == k for r in records) for k in ("exact", "contains")}
        return {
            "tables": [
                {
                    "title": "Selective answering (AmbigNQ single-answer)",
                    "columns": COLUMNS,
                    "rows": rows,
                },
                {
                    "title": "Clarion's moves on these questions",
                    "columns": list(kinds),
                    "rows": [list(kinds.values())],
                },
            ],
            "rejection": [{"title": "Accuracy-rejection curves", "curves": curves}],
            "roc": [{"title": "ROC, predicting a wrong answer", "curves": roc}],
            "notes": dropped
            + [
                "Correct = normalised exact match or whole-word containment of any gold answer "
                f"(Clarion: {how['exact']} exact, {how['contains']} containment matches).",
                "AURAC = mean accuracy over rejection fractions k/n, k=0..n-1 (tied "
                "uncertainties broken at random in expectation); "
                "PRR = (AURAC - accuracy) / (oracle AURAC - accuracy); "
                "NaN when every answer is right or every answer is wrong.",
                "always-answer ranks nothing (constant uncertainty): its AURAC equals its "
                "accuracy and its AUROC is 0.5.",
            ],
        }

    def decisions(self, records):
        return [
            decision(
                r["clarion"],
                {"answer"} if r["clarion_match"] else {"hedge", "clarify", "perspectives"},
                label="right" if r["clarion_match"] else "wrong",
                group=r["id"],
            )
            for r in records
        ]

"""Does the request need a clarifying question? CLAMBER, AmbiEnt, AmbigNQ.

Positive class = the row is labelled ambiguous (needs clarification). Clarion's decision
is `clarify`; its score is the `ambiguity` component (the needs_clarification judge's
probability; its sampled MI(reading; answer) is reported beside it). Baseline decisions
use label-free thresholds: token entropy >= its median over the run, verbalized
confidence < 50.
"""

from __future__ import annotations

import numpy as np

from eval.baselines import confidence_of
from eval.data import DATASETS
from eval.prompting import render
from eval.suites.base import (
    BINARY_COLUMNS,
    Suite,
    answered,
    binary_row,
    decision,
    having,
    interleave,
    signal_auroc_table,
    signal_names,
    signals,
)


def message_for(item: dict) -> str:
    if item["dataset"] == "ambient":
        return render(
            "eval_ambient", premise=item["meta"]["premise"], hypothesis=item["meta"]["hypothesis"]
        )
    return item["text"]


def clamber_stored(data_dir) -> list:
    """The stored `predict_ambiguous` of CLAMBER's release file over all its rows."""
    items = DATASETS["clamber"].load(data_dir)
    y = [it.meta["require_clarification"] for it in items]
    pred = [it.meta["predict_ambiguous"] for it in items]
    return binary_row("CLAMBER stored predict_ambiguous (full file)", y, pred, None, seed=0)


def clarion_row(name: str, recs: list[dict], seed: int) -> list:
    """Clarion's clarify decision on `recs` as a BINARY_COLUMNS row named `name`."""
    y = [r["label"] == "ambiguous" for r in recs]
    clar = [r["clarion"] for r in recs]
    score = [c["vector"].get("ambiguity", 0.0) for c in clar]
    return binary_row(name, y, [c["kind"] == "clarify" for c in clar], score, seed)


def breakdowns(records: list[dict], seed: int) -> list[dict]:
    """Clarion per data set, and per CLAMBER category and subclass (FD: NK, ICL; LA:
    co-reference, polysemy; MC: what, when, where, whom, and `none` = MC's clear rows)."""
    datasets = sorted({r["dataset"] for r in records})
    tables = [
        {
            "title": "Clarion (clarify) per data set",
            "columns": ["data set", *BINARY_COLUMNS[1:]],
            "rows": [
                clarion_row(d, [r for r in records if r["dataset"] == d], seed) for d in datasets
            ],
        }
    ]
    clamber = [r for r in records if r["dataset"] == "clamber"]
    if not clamber:
        return tables
    rows = []
    for category in sorted({r["meta"]["category"] for r in clamber}):
        recs = [r for r in clamber if r["meta"]["category"] == category]
        rows.append(clarion_row(category, recs, seed))
        for sub in sorted({r["meta"]["subclass"] for r in recs}):
            rows.append(
                clarion_row(
                    f"{category} {sub}", [r for r in recs if r["meta"]["subclass"] == sub], seed
                )
            )
    tables.append(
        {
            "title": "Clarion (clarify) on CLAMBER per category and subclass",
            "columns": ["CLAMBER group", *BINARY_COLUMNS[1:]],
            "rows": rows,
        }
    )
    return tables


class ClarificationSuite(Suite):
    name = "clarification"
    description = "needs-clarification detection: CLAMBER, AmbiEnt, AmbigNQ ambiguous vs single"
    datasets = ("clamber", "ambient", "ambignq")

    def select(self, data_dir, limit, seed, split="test"):
        return interleave(
            [
                [it.to_dict() for it in self.sample(name, data_dir, limit, seed, split=split)]
                for name in self.datasets
            ]
        )

    def extra(self, data_dir):
        return {"clamber_full": clamber_stored(data_dir)}

    def run(self, harness, selected):
        records = harness.kept
        for item in harness.progress(selected, "clarification"):
            text = message_for(item)
            rec = harness.ask(text)
            base = harness.baseline([{"role": "user", "content": text}], text)
            harness.keep(
                {
                    "id": item["id"],
                    "dataset": item["dataset"],
                    "label": item["label"],
                    "message": text,
                    "meta": item["meta"],
                    "clarion": rec,
                    "baseline": base,
                }
            )
        return records

    def _rows(self, recs, seed):
        y = np.array([r["label"] == "ambiguous" for r in recs], dtype=int)
        rows = [
            clarion_row("Clarion (clarify)", recs, seed),
            binary_row("always-answer", y, np.zeros(len(y)), None, seed),
        ]
        if recs and all(r["baseline"] for r in recs):
            ent = np.array([r["baseline"]["token_entropy"] for r in recs])
            rows.append(
                binary_row("token entropy of greedy answer", y, ent >= np.median(ent), ent, seed)
            )
            conf = np.array([confidence_of(r["baseline"]) for r in recs])
            rows.append(binary_row("verbalized confidence", y, conf < 50, 100 - conf, seed))
        if recs and all(r["dataset"] == "clamber" for r in recs):
            pred = [r["meta"]["predict_ambiguous"] for r in recs]
            rows.append(
                binary_row("CLAMBER stored predict_ambiguous (these rows)", y, pred, None, seed)
            )
        return y, rows

    def score(self, records, seed, extra=None):
        records, dropped = answered(records)
        tables, roc = [], []
        groups = {name: [r for r in records if r["dataset"] == name] for name in self.datasets}
        groups["all"] = records
        for name, recs in groups.items():
            if not recs:
                continue
            y, rows = self._rows(recs, seed)
            if name == "clamber" and (extra or {}).get("clamber_full"):
                rows.append(extra["clamber_full"])
            tables.append(
                {
                    "title": f"{name}: clarify vs. labelled ambiguous",
                    "columns": BINARY_COLUMNS,
                    "rows": rows,
                }
            )
            curves = [
                {
                    "label": f"Clarion {name}",
                    "y": [int(r["label"] == "ambiguous") for r in having(recs, name)],
                    "score": [signals(r["clarion"])[name] for r in having(recs, name)],
                }
                for name in signal_names(recs, every=False)
                if name.startswith("ambiguity")
            ]
            if all(r["baseline"] for r in recs):
                curves.append(
                    {
                        "label": "token entropy",
                        "y": y.tolist(),
                        "score": [r["baseline"]["token_entropy"] for r in recs],
                    }
                )
                curves.append(
                    {
                        "label": "100 - verbalized confidence",
                        "y": y.tolist(),
                        "score": [100 - confidence_of(r["baseline"]) for r in recs],
                    }
                )
            roc.append({"title": f"ROC, needs clarification ({name})", "curves": curves})
        tables.append(
            signal_auroc_table(
                "AUROC of every Clarion signal (label: ambiguous): each component by the "
                "estimator that produced it, and its sampled estimate beside it",
                groups,
                lambda r: r["label"] == "ambiguous",
                seed,
            )
        )
        failures = sum(1 for r in records if r["baseline"] and r["baseline"]["verbalized"] is None)
        return {
            "tables": tables + breakdowns(records, seed),
            "roc": roc,
            "notes": dropped
            + [
                "over-asking = share of rows labelled clear on which the system clarifies.",
                "CLAMBER subclasses: MC what/when/where/whom rows are all ambiguous (no "
                "over-asking), MC none rows all clear (no F1); FD and LA subclasses hold both.",
                f"verbalized confidence unparsed (scored 50): {failures}/{len(records)}.",
                "CLAMBER's stored predict_ambiguous is an unnamed model's output stored in the "
                "release file, computed here from the file, never used as a label.",
                "AmbiEnt pairs are asked as: "
                + render("eval_ambient", premise="P", hypothesis="H"),
            ],
        }

    def decisions(self, records):
        out = []
        for r in records:
            target = (
                {"clarify"} if r["label"] == "ambiguous" else {"answer", "hedge", "perspectives"}
            )
            out.append(
                decision(r["clarion"], target, label=f"{r['dataset']}:{r['label']}", group=r["id"])
            )
        return out

"""The suite interface: select rows (no model), run them (model), score records (no model).

Keeping the three apart lets `report` and `calibrate` re-score stored records without
running the model again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eval import metrics
from eval.data import DATASETS, stratified_sample
from eval.splits import Split, split_of
from uncertainty.report import COMPONENT_NAMES


class Suite:
    name: str = ""
    description: str = ""
    datasets: tuple[str, ...] = ()
    needs_agent: bool = True  # False: run() scores models itself (no agent is built)

    def needs(self) -> list[str]:
        return [f"{DATASETS[d].folder}/{f}" for d in self.datasets for f in DATASETS[d].files]

    def missing(self, data_dir: Path) -> list[str]:
        return [d for d in self.datasets if not DATASETS[d].present(data_dir)]

    def data_files(self, data_dir: Path) -> list[dict]:
        return [r for d in self.datasets for r in DATASETS[d].records(data_dir)]

    def sample(
        self,
        dataset: str,
        data_dir: Path,
        limit: int | None,
        seed: int,
        keep=None,
        split: Split = "test",
    ):
        """Rows of one data set in the fixed `split` (eval.splits), then `--limit` of them."""
        items = [it for it in DATASETS[dataset].load(data_dir) if split_of(it) == split]
        if keep is not None:
            items = [it for it in items if keep(it)]
        return stratified_sample(items, limit, seed)

    def select(
        self, data_dir: Path, limit: int | None, seed: int, split: Split = "test"
    ) -> list[dict]:
        """The rows a run asks: `split` rows only (test for every reported figure)."""
        raise NotImplementedError

    def run(self, harness, selected: list[dict]) -> list[dict]:
        raise NotImplementedError

    def extra(self, data_dir: Path) -> dict:
        """Model-free figures computed from the data (stored in results.json)."""
        return {}

    def score(self, records: list[dict], seed: int, extra: dict | None = None) -> dict:
        raise NotImplementedError

    def decisions(self, records: list[dict]) -> list[dict]:
        """Routing decisions with the moves that count as right (for `calibrate`)."""
        return []


def signals(rec: dict) -> dict[str, float]:
    """Every uncertainty signal of one Clarion record: each component's value labelled by
    the estimator that produced it (a judge's probe name, "greedy_token_entropy", or
    "sampled"), and beside a judged component its sampled value when one was sampled (a
    turn answered by the greedy probe has none). Older records (no estimators) are all
    sampled."""
    vec = rec.get("vector") or {}
    sampled = rec.get("sampled_vector", vec)
    out = {}
    for c in COMPONENT_NAMES:
        estimator = (rec.get("estimators") or {}).get(c, "sampled")
        if estimator != "sampled" and c in vec:
            out[f"{c} ({estimator})"] = float(vec[c])
        if sampled.get(c) is not None:
            out[f"{c} (sampled)"] = float(sampled[c])
    return out


def signal_names(
    records: list[dict], get=lambda r: r["clarion"], *, every: bool = True
) -> list[str]:
    """The signals every record has (every=False: any record has), in a stable order
    (judges first, then sampled)."""
    names: list[str] = []
    for r in records:
        for name in signals(get(r)):
            if name not in names:
                names.append(name)
    if every:
        names = [n for n in names if all(n in signals(get(r)) for r in records)]
    return sorted(names, key=lambda n: (n.endswith("(sampled)"), n))


def having(records: list[dict], name: str, get=lambda r: r["clarion"]) -> list[dict]:
    """The records that carry signal `name` (sampled signals: the sampled turns)."""
    return [r for r in records if name in signals(get(r))]


def signal_auroc_table(title: str, groups: dict[str, list[dict]], y_of, seed: int) -> dict:
    """AUROC [CI] of every signal per group of records (label from y_of(record)); a
    signal only some records carry is scored on those ('n sampled': the turns that drew
    samples; a turn answered unsampled carries the judges and the greedy token entropy)."""
    every = [r for recs in groups.values() for r in recs]
    names = signal_names(every, every=False)
    partial = [n for n in names if len(having(every, n)) < len(every)]
    rows = []
    for group, recs in groups.items():
        if not recs:
            continue
        row: list = [group, len(recs)]
        for n in names:
            sub = having(recs, n)
            y = np.array([y_of(r) for r in sub], dtype=int)
            scores = [signals(r["clarion"])[n] for r in sub]
            row.append(cell(metrics.auroc, y, scores, seed=seed) if 0 < y.sum() < len(y) else None)
        if partial:  # turns that drew samples (the others were answered unsampled)
            row.append(
                sum(any(n.endswith("(sampled)") for n in signals(r["clarion"])) for r in recs)
            )
        rows.append(row)
    columns = ["data", "n", *names] + (["n sampled"] if partial else [])
    return {"title": title, "columns": columns, "rows": rows}


def cell(metric, *arrays, seed: int) -> dict:
    """A table cell: value with its seeded 95% bootstrap interval."""
    return metrics.with_ci(metric, *arrays, seed=seed)


def binary_row(system: str, y, pred, score, seed: int) -> list:
    """system | n | accuracy | precision | recall | F1 [CI] | over-asking [CI] | AUROC [CI]."""
    y, pred = np.asarray(y, dtype=int), np.asarray(pred, dtype=int)
    m = metrics.prf(y, pred)
    clear = y == 0
    over = metrics.with_ci(metrics.rate, pred[clear], seed=seed) if clear.any() else None
    f1 = cell(metrics.f1, y, pred, seed=seed)
    auc = (
        cell(metrics.auroc, y, np.asarray(score, dtype=float), seed=seed)
        if score is not None
        else None
    )
    return [system, len(y), m["accuracy"], m["precision"], m["recall"], f1, over, auc]


BINARY_COLUMNS = [
    "system",
    "n",
    "accuracy",
    "precision",
    "recall",
    "F1 [95% CI]",
    "over-asking [95% CI]",
    "AUROC [95% CI]",
]


def answered(records: list[dict], get=lambda r: r["clarion"]) -> tuple[list[dict], list[str]]:
    """Records where the agent replied, and a note on those it did not (timeouts, errors).

    Failed turns are left out for every system alike, so all rows compare the same items.
    """
    ok = [r for r in records if get(r).get("kind") != "error"]
    dropped = len(records) - len(ok)
    note = (
        [
            f"{dropped} of {len(records)} items left out for every system: the agent failed "
            "on them (see Agent errors; usually the per-turn time limit)."
        ]
        if dropped
        else []
    )
    return ok, note


def interleave(groups: list[list]) -> list:
    """Round-robin over data sets, so a run stopped early still covers every set."""
    out = []
    for i in range(max((len(g) for g in groups), default=0)):
        out += [g[i] for g in groups if i < len(g)]
    return out


def decision(rec: dict, target: set[str], *, label: str, group: str, rounds: int = 0) -> dict:
    vec = rec.get("vector") or {}
    return {
        "vector": vec,
        "kind": rec.get("kind"),
        "target": sorted(target),
        "label": label,
        "group": group,
        "rounds": rounds,
        "value_laden": rec.get("value_laden"),
        "has_options": bool(rec.get("differing_readings") or rec.get("options")),
    }

"""Score option distributions against each country's real one: JS distance, CIs, regions.

Systems (held-out test questions, the same rows for all):
- mixture   the region experts mixed by the gate, its TOP_EXPERTS heaviest experts per
            country (what the agent scores); `mixture-all` mixes every expert;
- dense     one LoRA trained on all countries pooled (the dense baseline);
- prompted  the base model, the same prompt naming the country (mean-collapse baseline);
- uniform   1/n over the options;
- majority  all mass on the option with the largest share among the OTHER countries of
            the question (all 130 of GlobalOpinionQA, leave-one-out; a test-label oracle);
- pooled    the mean distribution of the other countries (leave-one-out, also an oracle).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from agent.adapters import DENSE, TOP_EXPERTS, Gate
from eval.adapters.train import SEED, cluster_bootstrap, js_distances, mixture

SYSTEMS = ("mixture", "mixture-all", "dense", "prompted", "uniform", "majority", "pooled")
PAIRS = (
    ("mixture", "dense"),
    ("mixture", "prompted"),
    ("mixture", "uniform"),
    ("dense", "prompted"),
)


def _others(rows, data_dir: Path) -> dict[tuple[str, str], list[np.ndarray]]:
    """(prefix, country) -> the other countries' distributions of the same question: the
    same text AND options (one question text is asked with different option sets)."""
    from agent.cultures import question_prefix
    from eval.adapters.data import _question_of
    from eval.data import DATASETS

    by_q = defaultdict(list)
    for it in DATASETS["globalopinionqa"].load(data_dir):
        key = question_prefix(_question_of(it.text), it.meta["options"])
        by_q[key].append((it.meta["country"], np.asarray(it.meta["distribution"])))
    return {(r.prefix, r.country): [d for c, d in by_q[r.prefix] if c != r.country] for r in rows}


def system_predictions(rows, preds: dict, gate: Gate, data_dir: Path) -> dict[str, list]:
    experts = list(gate.experts)
    per_row = [[preds[e][i] for e in experts] for i in range(len(rows))]
    others = _others(rows, data_dir)
    majority, pooled = [], []
    for r in rows:
        n = len(r.options)
        rest = others[(r.prefix, r.country)]
        mean = np.mean(rest, axis=0) if rest else np.full(n, 1 / n)
        pooled.append(mean)
        majority.append(np.eye(n)[int(np.argmax(mean))])
    return {
        "mixture": mixture(gate, rows, per_row, TOP_EXPERTS),
        "mixture-all": mixture(gate, rows, per_row, None),
        "dense": preds[DENSE],
        "prompted": preds["None"],
        "uniform": [np.full(len(r.options), 1 / len(r.options)) for r in rows],
        "majority": majority,
        "pooled": pooled,
    }


def make_records(rows, systems: dict[str, list]) -> list[dict]:
    return [
        {
            "question": r.question,
            "options": list(r.options),
            "country": r.country,
            "region": r.region,
            "target": list(r.distribution),
            "predictions": {s: [round(float(x), 6) for x in systems[s][i]] for s in systems},
        }
        for i, r in enumerate(rows)
    ]


def score_records(records: list[dict], seed: int = SEED) -> dict:
    """Tables: JS distance per system [CI]; per region; paired differences [CI]."""
    questions = [r["question"] for r in records]
    targets = [np.asarray(r["target"]) for r in records]
    systems = [s for s in SYSTEMS if records and s in records[0]["predictions"]]
    js = {
        s: js_distances(targets, [np.asarray(r["predictions"][s]) for r in records])
        for s in systems
    }
    ci = {s: cluster_bootstrap(js[s], questions, seed) for s in systems}
    overall: list[list] = [[s, len(records), ci[s]] for s in systems]
    regions = sorted({r["region"] for r in records})
    region_rows: list[list] = []
    per_region: dict[str, list[dict]] = {}
    for s in systems:
        cells: list[dict] = []
        for g in regions:
            idx = [i for i, r in enumerate(records) if r["region"] == g]
            cells.append(cluster_bootstrap(js[s][idx], [questions[i] for i in idx], seed))
        region_rows.append([s, *cells])
        per_region[s] = [ci[s], *cells]
    pairs = [
        [f"{a} - {b}", len(records), cluster_bootstrap(js[a] - js[b], questions, seed)]
        for a, b in PAIRS
        if a in js and b in js
    ]
    counts = {g: sum(r["region"] == g for r in records) for g in regions}
    shown = [s for s in ("mixture", "dense", "prompted", "uniform") if s in js]
    bars = {
        "title": "Mean JS distance to the country's distribution (lower is better)",
        "labels": ["all", *regions],
        "series": {s: [c["value"] for c in per_region[s]] for s in shown},
        "intervals": {s: [[c["lo"], c["hi"]] for c in per_region[s]] for s in shown},
        "ylabel": "JS distance (natural log)",
    }
    return {
        "bars": [bars],
        "tables": [
            {
                "title": "JS distance to each country's real distribution (test questions)",
                "columns": ["system", "n", "JS distance [95% CI]"],
                "rows": overall,
            },
            {
                "title": "JS distance by region",
                "columns": ["system", *regions],
                "rows": region_rows,
            },
            {
                "title": "Paired difference in JS distance (negative: the first is closer)",
                "columns": ["pair", "n", "difference [95% CI]"],
                "rows": pairs,
            },
        ],
        "notes": [
            "JS distance: scipy.spatial.distance.jensenshannon, natural log (0 = identical, "
            "at most 0.833); 95% intervals: 1000 bootstrap resamples of whole QUESTIONS.",
            "majority and pooled read the other countries' test answers: oracles, not models.",
            "rows per region: " + ", ".join(f"{g} {n}" for g, n in counts.items()),
        ],
    }


def score_rows(rows, preds: dict, gate: Gate, data_dir: Path) -> dict:
    """The card's test scores (and the records they come from)."""
    records = make_records(rows, system_predictions(rows, preds, gate, data_dir))
    return score_records(records) | {"records": len(records)}

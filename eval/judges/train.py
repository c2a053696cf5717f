"""`python -m eval train-judges`: fit the three judges, pick on dev, score on test, write the card.

For each judge: candidate feature sets are fitted on TRAIN rows with every candidate
model (standardised logistic regression, class-balanced, C from a small grid; a
one-hidden-layer MLP, the logit average of MLP_SEEDS fits of 64 relu units, L2 alpha from
a small grid), the set and model with the best dev AUROC win, the operating threshold is
chosen on DEV (rule per judge below), and only then are TEST rows scored, once, for the
card (bootstrap 95% CIs).
Nothing is fitted on dev or test rows; the weights are the train-only fit.

needs_clarification then tries heavier weights for its request-exemplar train rows (the
only instructions among rows that are nearly all questions: "write a login handler" is
unlike anything in CLAMBER): EXEMPLAR_WEIGHTS, the chosen set and model refitted with
each; the weight with the best dev AUROC on the held-out request exemplars wins, among
those that lose at most MAX_DEV_AUROC_LOSS of dev AUROC over all dev rows.
Deterministic: fixed seed (lbfgs for LR, adam with random_state for the MLP).

Operating thresholds (the probability a context profile compares; chosen on dev):
  needs_clarification  the highest dev F1 with dev over-asking (the data sets' clear rows
                       clarified) <= 0.15 at its one-sided 95% Wilson upper bound
  contested            the lowest threshold with dev false pluralism <= 0.02 on plain facts
                       (AmbigNQ) and <= 0.15 on MoralChoice low-ambiguity dilemmas
  likely_wrong         the lowest threshold (the most wrong answers hedged) with dev false
                       hedging (rows labelled 0 hedged: right answers, task requests) <=
                       MAX_FALSE_HEDGE. A cap on the rate among right answers does not
                       depend on how rare they are; the Youden J point it replaces
                       (highest TPR - FPR) hung on 7 right answers of 181 AmbigNQ dev
                       rows. The card puts both rules' dev figures side by side.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from eval import metrics
from eval.judges.data import EXEMPLAR_SOURCES, Row
from uncertainty.probe import Probe

SEED = 0
C_GRID = (0.01, 0.1, 1.0)
MLP_UNITS = 64
MLP_SEEDS = 5
"""An MLP candidate is the logit average of this many fits (seeds SEED .. SEED+4): one fit's
dev AUROC and dev threshold move with its seed (needs_clarification 0.762-0.774 and
0.569-0.638 over seeds 0-3), and so with the last bits of its features on another CPU.
The average of one-hidden-layer MLPs is itself one, of MLP_SEEDS x MLP_UNITS relu units
(the members' hidden layers side by side, their output weights divided by MLP_SEEDS), so
the stored probe keeps its form."""
MLP_ALPHAS = (1.0, 10.0)
MODELS: tuple[tuple[str, float], ...] = tuple(("lr", c) for c in C_GRID) + tuple(
    ("mlp", a) for a in MLP_ALPHAS
)
"""(kind, regularisation): logistic regression with C, or the MLP with alpha."""
MLP_MIN_CLASS = 200
"""The MLP is a candidate only when both classes have this many train rows: with fewer
(likely_wrong: about 160 right answers and task requests) a dev AUROC picks noise, and
on a single feature an MLP is only a non-monotone reshaping of it."""
MAX_OVER_ASKING = 0.15
OVER_ASKING_Z = 1.645
"""needs_clarification: the budget binds the one-sided 95% Wilson upper bound of dev
over-asking, not its point value: at the point value (about 500 clear dev rows) test
over-asking came out 0.168, over the budget it promises (the dev figure's own sampling
error). Counted on the data sets' clear rows only (CLAMBER, AmbiEnt, AmbigNQ), the rows
the promise is about; the project's own exemplars are easy clear rows that loosen it."""
MAX_FACT_PLURALISM = 0.02
MAX_LOW_PLURALISM = 0.15
EXEMPLAR_WEIGHTS = (1.0, 3.0, 10.0)
MAX_DEV_AUROC_LOSS = 0.02
MAX_FALSE_HEDGE = 0.15
"""likely_wrong: at most this share of the dev answers the model gets right (and of task
requests) hedged; the same budget as needs_clarification's over-asking."""


@dataclass
class Fitted:
    probe: Probe
    model: str
    dev_auroc: float
    spec: tuple[str, float] = ("lr", 1.0)
    features: tuple[str, ...] = ()


def model_label(kind: str, reg: float) -> str:
    if kind == "lr":
        return f"logistic regression C={reg:g}"
    return f"MLP {MLP_SEEDS}x{MLP_UNITS} alpha={reg:g}"


def fit_probe(
    name: str,
    blocks: dict[str, np.ndarray],
    y: np.ndarray,
    model: tuple[str, float],
    weight: np.ndarray | None = None,
) -> Probe:
    """A standardised probe on the given blocks, fitted on train rows (deterministic),
    with optional per-row weights."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    x = np.concatenate([blocks[b] for b in blocks], axis=1)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-8, scale, 1.0)
    z = (x - mean) / scale
    kind, reg = model
    hidden: tuple = ()
    if kind == "lr":
        clf = LogisticRegression(C=reg, class_weight="balanced", max_iter=5000, random_state=SEED)
        clf.fit(z, y, sample_weight=weight)
        coef, intercept = clf.coef_[0], float(clf.intercept_[0])
    else:
        fits = [
            MLPClassifier((MLP_UNITS,), alpha=reg, max_iter=300, random_state=SEED + k).fit(
                z, y, sample_weight=weight
            )
            for k in range(MLP_SEEDS)
        ]  # the logit average of the members is one wider MLP (MLP_SEEDS)
        hidden = (
            (
                np.concatenate([f.coefs_[0] for f in fits], axis=1),
                np.concatenate([f.intercepts_[0] for f in fits]),
            ),
        )
        coef = np.concatenate([f.coefs_[1][:, 0] for f in fits]) / MLP_SEEDS
        intercept = float(np.mean([f.intercepts_[1][0] for f in fits]))
    return Probe(
        name=name,
        blocks=tuple((b, int(blocks[b].shape[1])) for b in blocks),
        mean=mean,
        scale=scale,
        coef=np.asarray(coef, dtype=np.float64),
        intercept=intercept,
        meta={"model": model_label(kind, reg)},
        hidden=tuple((np.asarray(w, np.float64), np.asarray(b, np.float64)) for w, b in hidden),
    )


def probabilities(probe: Probe, blocks: dict[str, np.ndarray]) -> np.ndarray:
    x = np.concatenate([blocks[b] for b in probe.block_names], axis=1)
    return probe.probability(x)


def select(
    name: str,
    candidates: dict[str, tuple[str, ...]],
    feats: dict[str, np.ndarray],
    y: np.ndarray,
    train: np.ndarray,
    dev: np.ndarray,
) -> tuple[Fitted, list[dict]]:
    """Every (feature set, model) fitted on train, scored on dev; the best dev AUROC wins."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    table, best = [], None
    small = min(int(y[train].sum()), int((1 - y[train]).sum())) < MLP_MIN_CLASS
    models = [m for m in MODELS if not (small and m[0] == "mlp")]
    for label, names in candidates.items():
        for model in models:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is the budget
                probe = fit_probe(name, {b: feats[b][train] for b in names}, y[train], model)
            auc = metrics.auroc(y[dev], probabilities(probe, {b: feats[b][dev] for b in names}))
            table.append({"features": label, "model": model_label(*model), "dev_auroc": auc})
            if best is None or auc > best.dev_auroc + 1e-9:
                best = Fitted(probe, model_label(*model), auc, model, names)
    assert best is not None
    return best, table


def exemplar_weight(
    name: str,
    fitted: Fitted,
    feats: dict[str, np.ndarray],
    y: np.ndarray,
    train: np.ndarray,
    dev: np.ndarray,
    exemplar: np.ndarray,
) -> tuple[Fitted, float, list[dict]]:
    """The chosen set and model refitted with each EXEMPLAR_WEIGHTS on the exemplar train
    rows; the best dev-exemplar AUROC within MAX_DEV_AUROC_LOSS of the unweighted dev
    AUROC wins (module docstring)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    table, fits = [], {}
    for w in EXEMPLAR_WEIGHTS:
        weight = np.where(exemplar[train], w, 1.0)
        if w == 1.0:  # unweighted: the fit select() already made
            probe = fitted.probe
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                probe = fit_probe(
                    name,
                    {b: feats[b][train] for b in fitted.features},
                    y[train],
                    fitted.spec,
                    weight,
                )
        p = probabilities(probe, {b: feats[b] for b in fitted.features})
        ex = dev & exemplar
        row = {
            "exemplar_weight": w,
            "dev_auroc": metrics.auroc(y[dev], p[dev]),
            "dev_exemplar_auroc": metrics.auroc(y[ex], p[ex]),
        }
        table.append(row)
        fits[w] = probe
    floor = table[0]["dev_auroc"] - MAX_DEV_AUROC_LOSS
    best = max((r for r in table if r["dev_auroc"] >= floor), key=lambda r: r["dev_exemplar_auroc"])
    w = best["exemplar_weight"]
    return Fitted(fits[w], fitted.model, best["dev_auroc"], fitted.spec, fitted.features), w, table


def threshold_for(judge: str, y: np.ndarray, p: np.ndarray, rows: list[Row]) -> float:
    """The operating threshold chosen on dev rows (module docstring)."""
    cands = np.unique(np.concatenate([p, [1.0]]))
    if judge == "needs_clarification":
        clear = (y == 0) & np.array([r.source not in EXEMPLAR_SOURCES for r in rows])
        best, best_f1 = 1.0, -1.0
        for t in cands:
            pred = p >= t
            asked = int(pred[clear].sum())
            bound = metrics.wilson_upper(asked, int(clear.sum()), OVER_ASKING_Z)
            if bound <= MAX_OVER_ASKING and metrics.f1(y, pred) > best_f1:
                best, best_f1 = float(t), metrics.f1(y, pred)
        return best
    if judge == "contested":
        facts = np.array([r.source == "ambignq" for r in rows])
        low = np.array([r.source == "moralchoice" and r.label == 0 for r in rows])
        for t in cands:  # ascending: the lowest threshold that keeps both rates down
            pred = p >= t
            if (
                metrics.rate(pred[facts]) <= MAX_FACT_PLURALISM
                and metrics.rate(pred[low]) <= MAX_LOW_PLURALISM
            ):
                return float(t)
        return 1.0
    for t in cands:  # ascending: the lowest threshold within the false-hedge budget
        if metrics.rate((p >= t)[y == 0]) <= MAX_FALSE_HEDGE:
            return float(t)
    return 1.0


def youden_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The dev threshold with the highest Youden J (TPR - FPR): likely_wrong's former rule,
    reported beside the one in use."""
    cands = np.unique(np.concatenate([p, [1.0]]))
    j = [metrics.rate((p >= t)[y == 1]) - metrics.rate((p >= t)[y == 0]) for t in cands]
    return float(cands[int(np.argmax(j))])


def binary_report(y, p, t, seed) -> dict:
    """AUROC, and at threshold t: F1, precision, recall, positive rate on negatives."""
    y, p = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    pred = (p >= t).astype(int)
    out: dict[str, Any] = {"n": int(len(y)), "positives": int(y.sum())}
    if 0 < y.sum() < len(y):
        out["auroc"] = metrics.with_ci(metrics.auroc, y, p, seed=seed)
    out |= {k: float(v) for k, v in metrics.prf(y, pred).items()}
    out["f1"] = metrics.with_ci(metrics.f1, y, pred, seed=seed)
    if (y == 0).any():
        out["false_positive_rate"] = metrics.with_ci(metrics.rate, pred[y == 0], seed=seed)
    if (y == 1).any():
        out["true_positive_rate"] = metrics.with_ci(metrics.rate, pred[y == 1], seed=seed)
    return out


def rate_report(flags, seed) -> dict:
    flags = np.asarray(flags, dtype=int)
    return {"n": int(len(flags)), "rate": metrics.with_ci(metrics.rate, flags, seed=seed)}


def test_report(judge: str, rows: list[Row], y, p, t, seed, baselines: dict) -> dict:
    """Test-split metrics: pooled, per source, per group; baselines' AUROC beside."""
    rep = {"all": binary_report(y, p, t, seed)}
    sources = sorted({r.source for r in rows})
    for s in sources:
        idx = np.array([r.source == s for r in rows])
        rep[s] = binary_report(y[idx], p[idx], t, seed)
    if judge == "needs_clarification":
        cats = sorted({r.group for r in rows if r.source == "clamber"})
        for cat in cats:
            idx = np.array([r.source == "clamber" and r.group == cat for r in rows])
            rep[f"clamber:{cat}"] = binary_report(y[idx], p[idx], t, seed)
    if judge == "contested":
        sets = {
            "moralchoice low (false pluralism)": lambda r: (
                r.source == "moralchoice" and r.label == 0
            ),
            "moralchoice high (wanted)": lambda r: r.source == "moralchoice" and r.label == 1,
            "globalopinionqa contested (wanted)": lambda r: (
                r.source == "globalopinionqa" and r.label == 1
            ),
            "ambignq plain facts (false pluralism)": lambda r: r.source == "ambignq",
        }
        rep["perspectives_rate"] = {
            name: rate_report([pi >= t for pi, r in zip(p, rows, strict=True) if keep(r)], seed)
            for name, keep in sets.items()
        }
    rep["baselines"] = {
        name: binary_report(y, score, np.inf, seed).get("auroc")
        for name, score in baselines.items()
    }
    return rep


def timer() -> Callable[[], float]:
    start = time.time()
    return lambda: round(time.time() - start, 1)


@contextmanager
def phase(seconds: dict[str, float], name: str) -> Iterator[None]:
    """Add the wall-clock seconds of the block to seconds[name] (the card's cost table)."""
    start = time.time()
    try:
        yield
    finally:
        seconds[name] = round(seconds.get(name, 0.0) + time.time() - start, 1)

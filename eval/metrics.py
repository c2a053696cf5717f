"""Metric functions: thin, tested wrappers over scikit-learn and scipy.

Conventions: `y_true` is 0/1; scores are "higher = more positive". For selective
prediction `uncertainty` is "higher = less sure" and `correct` is 0/1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import rankdata
from sklearn.metrics import (
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)

NAN = float("nan")

Numbers = Sequence[Any] | np.ndarray
"""Labels or scores: a list or a numpy array."""


def auroc(y_true: Numbers, score: Numbers) -> float:
    """Area under the ROC curve; NaN (not an error) when only one class is present."""
    y = np.asarray(y_true, dtype=int)
    if len(set(y.tolist())) < 2:
        return NAN
    return float(roc_auc_score(y, np.asarray(score, dtype=float)))


def auroc_rank(y_true: Numbers, score: Numbers) -> float:
    """The same AUROC by the Mann-Whitney rank formula (ties count 1/2): fast for bootstraps."""
    y = np.asarray(y_true, dtype=int)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if not n_pos or not n_neg:
        return NAN
    ranks = rankdata(np.asarray(score, dtype=float))
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def f1(y_true: Numbers, y_pred: Numbers) -> float:
    """F1 of the positive class from counts (0 when undefined, like sklearn's zero_division=0)."""
    y, p = np.asarray(y_true, dtype=bool), np.asarray(y_pred, dtype=bool)
    tp = int(np.sum(y & p))
    denom = int(y.sum()) + int(p.sum())
    return 2 * tp / denom if denom else 0.0


def roc_points(y_true: Numbers, score: Numbers) -> tuple[list, list]:
    y = np.asarray(y_true, dtype=int)
    if len(set(y.tolist())) < 2:
        return [], []
    fpr, tpr, _ = roc_curve(y, np.asarray(score, dtype=float))
    return fpr.tolist(), tpr.tolist()


def prf(y_true: Numbers, y_pred: Numbers) -> dict[str, float]:
    """Precision, recall, F1 of the positive class (1); 0 where undefined, as sklearn does."""
    p, r, f, _ = precision_recall_fscore_support(
        np.asarray(y_true, dtype=int),
        np.asarray(y_pred, dtype=int),
        average="binary",
        pos_label=1,
        zero_division=0,
    )
    acc = float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if len(y_true) else NAN
    return {"accuracy": acc, "precision": float(p), "recall": float(r), "f1": float(f)}


def rate(flags: Numbers) -> float:
    """Share of true flags (e.g. over-asking: clarify on rows labelled clear)."""
    return float(np.mean(np.asarray(flags, dtype=float))) if len(flags) else NAN


def wilson_upper(k: int, n: int, z: float) -> float:
    """Upper end of the Wilson score interval of a rate k/n at normal quantile z (1.645: the
    one-sided 95% bound); 1.0 when n is 0."""
    if n == 0:
        return 1.0
    q = k / n
    centre = q + z * z / (2 * n)
    spread = z * math.sqrt(q * (1 - q) / n + z * z / (4 * n * n))
    return (centre + spread) / (1 + z * z / n)


def moves_confusion(
    expected: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> list[list[int]]:
    if not len(expected):
        return [[0] * len(labels) for _ in labels]
    return confusion_matrix(list(expected), list(predicted), labels=list(labels)).tolist()


def rejection_curve(correct: Numbers, uncertainty: Numbers) -> tuple[list, list]:
    """Accuracy of the answers kept when rejecting the most uncertain first.

    Point k (k = 0..n-1) rejects k of n answers: x = k/n, y = accuracy of the n-k kept.
    Tied uncertainties are broken at random in expectation: a partly kept tie group
    contributes its mean correctness, so a constant score gives a flat curve.
    """
    c = np.asarray(correct, dtype=float)
    u = np.asarray(uncertainty, dtype=float)
    n = len(c)
    if not n:
        return [], []
    order = np.argsort(u, kind="stable")
    c, u = c[order], u[order]
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]])
    ends = np.r_[starts[1:], n]
    before = np.r_[0.0, np.cumsum(c)][starts]  # correct answers in groups before each group
    means = np.array([c[s:e].mean() for s, e in zip(starts, ends, strict=True)])
    acc = []
    for k in range(n):
        m = n - k
        g = int(np.searchsorted(starts, m - 1, side="right") - 1)  # group holding position m
        acc.append(float((before[g] + (m - starts[g]) * means[g]) / m))
    return [k / n for k in range(n)], acc


def aurac(correct: Numbers, uncertainty: Numbers) -> float:
    """Area under the accuracy-rejection curve: the mean of its n equally spaced points."""
    _, acc = rejection_curve(correct, uncertainty)
    return float(np.mean(acc)) if acc else NAN


def prr(correct: Numbers, uncertainty: Numbers) -> float:
    """Prediction rejection ratio (Malinin et al.): (AURAC - random) / (oracle - random).

    random = accuracy with no rejection (the expected curve of a random order is flat);
    oracle rejects the wrong answers first. NaN when all answers are right or all wrong.
    """
    c = np.asarray(correct, dtype=float)
    if not len(c) or c.min() == c.max():
        return NAN
    base = float(c.mean())
    oracle = aurac(c, -c)  # wrong answers carry the highest uncertainty
    return (aurac(c, uncertainty) - base) / (oracle - base)


def coverage(represented: Numbers, distribution: Numbers) -> float:
    """Share of respondents whose option (index) is represented by some perspective."""
    dist = np.asarray(distribution, dtype=float)
    return float(sum(dist[i] for i in set(represented)))


def js_similarity(p: Numbers, q: Numbers) -> float:
    """1 - Jensen-Shannon distance (base 2, so in [0, 1]); 1 = identical distributions."""
    a, b = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if a.sum() <= 0 or b.sum() <= 0:
        return NAN
    return float(1.0 - jensenshannon(a / a.sum(), b / b.sum(), base=2))


def bootstrap_ci(
    metric: Callable[..., float],
    *arrays: Numbers,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> tuple[float, float]:
    """Seeded percentile bootstrap over rows; resamples where the metric is NaN are dropped."""
    arrs = [np.asarray(a) for a in arrays]
    n = len(arrs[0]) if arrs else 0
    if n < 2:
        return NAN, NAN
    rng = np.random.default_rng(seed)
    metric = _FAST.get(metric, metric)
    values = []
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        v = metric(*(a[idx] for a in arrs))
        if v is not None and not math.isnan(v):
            values.append(v)
    if len(values) < max(10, n_boot // 10):
        return NAN, NAN
    return (
        float(np.percentile(values, 100 * alpha / 2)),
        float(np.percentile(values, 100 * (1 - alpha / 2))),
    )


_FAST = {auroc: auroc_rank}  # identical values (tested), without sklearn's per-call overhead


def with_ci(
    metric: Callable[..., float], *arrays: Numbers, seed: int = 0, n_boot: int = 1000
) -> dict[str, float]:
    """{"value", "lo", "hi"}: a point estimate and its 95% bootstrap interval."""
    value = metric(*arrays) if len(arrays[0]) else NAN
    lo, hi = bootstrap_ci(metric, *arrays, seed=seed, n_boot=n_boot)
    return {"value": value, "lo": lo, "hi": hi}

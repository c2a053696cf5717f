"""Entropy estimators over answer clusters, in nats.

Plug-in entropy of K observed clusters from N samples is biased low by about
(K-1)/(2N) (Miller 1955); with N of 5-20 that bias is the same size as the signal,
so every caller gets the corrected value next to the raw one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def entropy_from_counts(counts: Sequence[float] | np.ndarray) -> float:
    """Plug-in (maximum-likelihood) Shannon entropy of a histogram."""
    c = np.asarray(counts, dtype=float)
    c = c[c > 0]
    if c.size == 0:
        return 0.0
    p = c / c.sum()
    return float(max(0.0, -(p * np.log(p)).sum()))


def miller_madow_entropy(counts: Sequence[float] | np.ndarray) -> float:
    """Plug-in entropy plus the Miller-Madow bias term (K-1)/(2N), K = non-empty bins."""
    c = np.asarray(counts, dtype=float)
    n = c.sum()
    if n <= 0:
        return 0.0
    k = int((c > 0).sum())
    return float(entropy_from_counts(c) + (k - 1) / (2.0 * n))


def cluster_counts(assignments: Sequence[int]) -> np.ndarray:
    """Histogram of cluster ids 0..max."""
    a = np.asarray(assignments, dtype=int)
    if a.size == 0:
        return np.zeros(0)
    return np.bincount(a).astype(float)


def discrete_semantic_entropy(assignments: Sequence[int]) -> float:
    """Semantic entropy from cluster frequencies (Farquhar et al. 2024, 'discrete')."""
    return entropy_from_counts(cluster_counts(assignments))


def likelihood_cluster_probabilities(
    assignments: Sequence[int], logprobs: Sequence[float]
) -> np.ndarray:
    """Cluster probabilities from length-normalised sequence log-probs.

    As in Farquhar et al. 2024: normalise the per-sample log-likelihoods over the
    samples, sum probability within a cluster (log-sum-exp), then the clusters' shares
    are already normalised over clusters. Returns an array indexed by cluster id.

    A -inf log-prob is a sample of probability 0; NaN or +inf is no log-prob at all and
    gets no weight. When no sample has a finite log-prob the likelihoods say nothing,
    and the discrete frequencies are returned instead (`has_likelihoods` tells which).
    """
    a = np.asarray(assignments, dtype=int)
    lp = np.asarray(logprobs, dtype=float)
    if a.size == 0 or a.shape != lp.shape:
        raise ValueError("need one log-prob per assigned answer")
    k = int(a.max()) + 1
    if not has_likelihoods(lp):
        return cluster_counts(a.tolist()) / a.size
    lp = np.where(np.isnan(lp) | (lp == np.inf), -np.inf, lp)
    lp = lp - _logsumexp(lp)
    out = np.array([np.exp(lp[a == c]).sum() for c in range(k)])
    weights: np.ndarray = out / out.sum()
    return weights


def has_likelihoods(logprobs: Sequence[float] | np.ndarray) -> bool:
    """Whether any log-prob is finite, i.e. the likelihoods can weight anything."""
    lp = np.asarray(logprobs, dtype=float)
    return bool(np.isfinite(lp).any())


def likelihood_semantic_entropy(assignments: Sequence[int], logprobs: Sequence[float]) -> float:
    """Likelihood-weighted semantic entropy (Farquhar et al. 2024, Rao estimator)."""
    p = likelihood_cluster_probabilities(assignments, logprobs)
    p = p[p > 0]
    return float(max(0.0, -(p * np.log(p)).sum()))


def _logsumexp(x: np.ndarray) -> float:
    m = float(np.max(x))
    if not np.isfinite(m):
        return m
    return m + float(np.log(np.exp(x - m).sum()))

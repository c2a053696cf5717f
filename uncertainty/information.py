"""Mutual information between a label (member, reading, perspective) and answer clusters.

All quantities come from one contingency table; in nats. Small samples inflate plug-in
MI (a noisy model looks 'conflicted' everywhere), so MI is corrected by a permutation
baseline: shuffle the labels (seeded), subtract the mean MI of the shuffles, clip at 0.

Miller-Madow is deliberately NOT offered for MI. Its bias term (Kx + Ky - Kxy - 1)/(2N)
assumes every cell of the table can fill up, which scattered answers never do: 12
all-different answers over 3 readings have plug-in MI ln 3 = 1.10 and Miller-Madow MI
1.18 although the answers carry no information about the reading (every shuffle of the
labels gives the same 1.10, so the permutation correction is 0). It stays available for
entropies (entropy.miller_madow_entropy, miller_madow_conditional_entropy below).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from uncertainty.entropy import entropy_from_counts


def contingency(labels: Sequence[Hashable], clusters: Sequence[int]) -> np.ndarray:
    """Counts table: rows = distinct labels (first-seen order), columns = cluster ids."""
    if len(labels) != len(clusters):
        raise ValueError("labels and clusters must have the same length")
    codes = _codes(labels)
    c = np.asarray(clusters, dtype=int)
    if c.size == 0:
        return np.zeros((0, 0))
    table = np.zeros((int(codes.max()) + 1, int(c.max()) + 1))
    np.add.at(table, (codes, c), 1.0)
    return table


def mutual_information(labels: Sequence[Hashable], clusters: Sequence[int]) -> float:
    """Plug-in I(label; cluster) = H(cluster) - H(cluster | label)."""
    return _mi_table(contingency(labels, clusters))


def conditional_entropy(labels: Sequence[Hashable], clusters: Sequence[int]) -> float:
    """Expected within-label entropy H(cluster | label) = sum_x p(x) H(cluster | x)."""
    return _cond_table(contingency(labels, clusters))


def miller_madow_conditional_entropy(labels: Sequence[Hashable], clusters: Sequence[int]) -> float:
    """H(cluster | label) with Miller-Madow applied inside each label: + (Kxy - Kx)/(2N)."""
    t = contingency(labels, clusters)
    n = t.sum()
    if n == 0:
        return 0.0
    kxy = int((t > 0).sum())
    kx = int((t.sum(axis=1) > 0).sum())
    return float(_cond_table(t) + (kxy - kx) / (2.0 * n))


@dataclass(frozen=True)
class PermutationMI:
    """Plug-in MI next to its permutation null distribution."""

    raw: float
    corrected: float  # max(0, raw - null_mean)
    null_mean: float
    null_std: float
    p_value: float  # share of shuffles with MI >= raw (add-one smoothed)
    permutations: int


def permutation_mutual_information(
    labels: Sequence[Hashable], clusters: Sequence[int], permutations: int = 200, seed: int = 0
) -> PermutationMI:
    """MI corrected by the mean MI of label shuffles, which keep both marginals fixed.

    What remains after subtracting the shuffles' mean is the association that chance
    alone would not produce with this many samples and these marginals.
    """
    raw = mutual_information(labels, clusters)
    codes = _codes(labels)
    c = np.asarray(clusters, dtype=int)
    if permutations < 1 or c.size == 0:
        return PermutationMI(raw, raw, 0.0, 0.0, 1.0, 0)
    rng = np.random.default_rng(seed)
    shape = (int(codes.max()) + 1, int(c.max()) + 1)
    null = np.empty(permutations)
    for i in range(permutations):
        t = np.zeros(shape)
        np.add.at(t, (rng.permutation(codes), c), 1.0)
        null[i] = _mi_table(t)
    mean = float(null.mean())
    p_value = float((1 + (null >= raw - 1e-12).sum()) / (permutations + 1))
    return PermutationMI(
        raw=raw,
        corrected=max(0.0, raw - mean),
        null_mean=mean,
        null_std=float(null.std()),
        p_value=p_value,
        permutations=permutations,
    )


def permutation_ceiling(
    labels: Sequence[Hashable], permutations: int = 200, seed: int = 0
) -> PermutationMI:
    """The corrected MI these labels reach when each label gets its own consistent answer.

    Plug-in MI is then H(label), ln 3 for 3 equal readings; the permutation correction
    subtracts what shuffles of that perfect table give by chance, so with 4 samples per
    reading the corrected ceiling is about 0.875, not ln 3. Thresholds on a corrected MI
    must be read against this figure, which depends on the labels' counts only.
    """
    return permutation_mutual_information(labels, _codes(labels).tolist(), permutations, seed)


def _codes(labels: Sequence[Hashable]) -> np.ndarray:
    index: dict[Hashable, int] = {}
    return np.asarray([index.setdefault(x, len(index)) for x in labels], dtype=int)


def _cond_table(t: np.ndarray) -> float:
    n = t.sum()
    if n == 0:
        return 0.0
    rows = t.sum(axis=1)
    return float(sum(r / n * entropy_from_counts(row) for r, row in zip(rows, t, strict=True)))


def _mi_table(t: np.ndarray) -> float:
    if t.sum() == 0:
        return 0.0
    mi = entropy_from_counts(t.sum(axis=0)) - _cond_table(t)
    return float(max(0.0, mi))

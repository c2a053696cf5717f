"""From labelled samples to the uncertainty vector.

Clusters are computed once over all samples and shared by every component:

- semantic_entropy: discrete semantic entropy of the pooled clusters. The value is the
  discrete (frequency) estimate, Miller-Madow corrected unless correction="none": it
  works for backends without log-probs, keeps vectors comparable across backends, and
  is not skewed by a small model's miscalibrated likelihoods. The likelihood-weighted
  estimate (Farquhar et al. 2024) is in the evidence when every sample has a log-prob.
- epistemic: expected entropy within cells (cell = reading x perspective): what is left
  once the request and the value position are fixed. Entropies are Miller-Madow
  corrected in both corrected modes (shuffling labels cannot correct an entropy). The
  ensemble decomposition over `member` (total, expected within-member, MI) is evidence.
- ambiguity: MI(reading; cluster) (Hou et al. 2023); value_conflict: MI(perspective;
  cluster). Corrected by the permutation baseline or Miller-Madow; raw kept alongside.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from uncertainty.clustering import cluster_answers
from uncertainty.entropy import (
    discrete_semantic_entropy,
    likelihood_cluster_probabilities,
    likelihood_semantic_entropy,
    miller_madow_entropy,
)
from uncertainty.information import (
    conditional_entropy,
    contingency,
    miller_madow_conditional_entropy,
    miller_madow_mutual_information,
    mutual_information,
    permutation_mutual_information,
)
from uncertainty.judges import EquivalenceJudge
from uncertainty.report import Cluster, Component, UncertaintyReport
from uncertainty.samples import LabeledAnswer

Correction = Literal["miller_madow", "permutation", "none"]
CORRECTIONS = ("miller_madow", "permutation", "none")
LABEL_KINDS = ("reading", "perspective", "member")


def estimate(
    answers: Sequence[LabeledAnswer],
    judge: EquivalenceJudge,
    question: str = "",
    *,
    correction: Correction = "permutation",
    permutations: int = 200,
    seed: int = 0,
) -> UncertaintyReport:
    """Cluster the answers by meaning and compute the four components."""
    answers = list(answers)
    if not answers:
        raise ValueError("estimate needs at least one answer")
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS}, got {correction!r}")
    clustering = cluster_answers([a.text for a in answers], judge, question)
    y, reps = _rank(clustering.assignments, clustering.representatives)
    lik = _likelihoods(answers, y)
    opts = {"correction": correction, "permutations": permutations, "seed": seed}
    return UncertaintyReport(
        semantic_entropy=_semantic_entropy(y, lik, correction, answers),
        epistemic=_epistemic(answers, y, **opts),
        ambiguity=_mi_component("ambiguity", "reading", answers, y, **opts),
        value_conflict=_mi_component("value_conflict", "perspective", answers, y, **opts),
        clusters=_clusters(answers, y, reps, lik),
        differing_readings=_differing_readings(answers, y),
        n_samples=len(answers),
    )


def _rank(assignments: list[int], reps: list[int]) -> tuple[list[int], list[int]]:
    """Renumber clusters by size (desc), ties by first appearance: id 0 is the mode."""
    counts = Counter(assignments)
    order = sorted(range(len(reps)), key=lambda c: (-counts[c], c))
    new = {old: i for i, old in enumerate(order)}
    return [new[c] for c in assignments], [reps[old] for old in order]


def _likelihoods(answers: list[LabeledAnswer], y: list[int]) -> np.ndarray | None:
    if any(a.logprob is None for a in answers):
        return None
    return likelihood_cluster_probabilities(y, [float(a.logprob) for a in answers])


def _dist(labels: Sequence[str], y: list[int]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for label, c in zip(labels, y, strict=True):
        row = out.setdefault(label, {})
        row[str(c)] = row.get(str(c), 0) + 1
    return out


def _semantic_entropy(
    y: list[int], lik: np.ndarray | None, correction: str, answers: list[LabeledAnswer]
) -> Component:
    raw = discrete_semantic_entropy(y)
    counts = np.bincount(y)
    mm = miller_madow_entropy(counts)
    k, n = len(counts), len(y)
    corrected = correction != "none"
    evidence: dict[str, Any] = {
        "discrete": raw,
        "miller_madow": mm,
        "n_clusters": k,
        "n_samples": n,
        "distribution": {str(c): int(v) for c, v in enumerate(counts)},
        "likelihood_weighted": None,
    }
    if lik is not None:
        evidence["likelihood_weighted"] = likelihood_semantic_entropy(
            y, [float(a.logprob) for a in answers]
        )
    else:
        evidence["likelihood_note"] = "not computed: some samples have no log-prob"
    method = "discrete semantic entropy" + (
        f", Miller-Madow corrected (+(K-1)/(2N) = {(k - 1) / (2 * n):.4f})" if corrected else ""
    )
    return Component("semantic_entropy", mm if corrected else raw, raw, method, evidence)


def _mi(labels: list[str], y: list[int], correction: str, permutations: int, seed: int):
    """(raw, corrected >= 0, evidence) for MI(label; cluster)."""
    raw = mutual_information(labels, y)
    if correction == "none":
        return raw, raw, {}
    if correction == "miller_madow":
        mm = miller_madow_mutual_information(labels, y)
        return raw, max(0.0, mm), {"miller_madow_unclipped": mm}
    pm = permutation_mutual_information(labels, y, permutations, seed)
    evidence = {
        "permutation_mean": pm.null_mean,
        "permutation_std": pm.null_std,
        "p_value": pm.p_value,
        "permutations": pm.permutations,
        "seed": seed,
    }
    return raw, pm.corrected, evidence


_MI_METHOD = {
    "none": "plug-in MI({kind}; cluster)",
    "miller_madow": "MI({kind}; cluster), Miller-Madow corrected, clipped at 0",
    "permutation": "MI({kind}; cluster) minus mean MI of {n} label permutations, clipped at 0",
}


def _mi_component(
    name: str, kind: str, answers: list[LabeledAnswer], y: list[int], **opts: Any
) -> Component:
    labels = [getattr(a, kind) for a in answers]
    evidence: dict[str, Any] = {"distribution": _dist(labels, y), "n_samples": len(y)}
    distinct = sorted(set(labels))
    if len(distinct) < 2:
        evidence["reason"] = f"only one {kind} ({distinct[0]!r}): no {name} can be measured"
        return Component(name, 0.0, 0.0, f"not applicable (single {kind})", evidence)
    raw, value, extra = _mi(labels, y, opts["correction"], opts["permutations"], opts["seed"])
    evidence.update(extra)
    evidence["entropy_cluster"] = discrete_semantic_entropy(y)
    evidence["entropy_cluster_given_label"] = conditional_entropy(labels, y)
    method = _MI_METHOD[opts["correction"]].format(kind=kind, n=opts["permutations"])
    return Component(name, value, raw, method, evidence)


def _epistemic(answers: list[LabeledAnswer], y: list[int], **opts: Any) -> Component:
    correction = opts["correction"]
    cells = [f"{a.reading} | {a.perspective}" for a in answers]
    raw = conditional_entropy(cells, y)
    value = raw if correction == "none" else miller_madow_conditional_entropy(cells, y)
    evidence: dict[str, Any] = {
        "cells": _dist(cells, y),
        "n_cells": len(set(cells)),
        "ensemble": _ensemble(answers, y, **opts),
    }
    method = "expected entropy within reading x perspective cells" + (
        ", Miller-Madow corrected within each cell" if correction != "none" else ""
    )
    return Component("epistemic", value, raw, method, evidence)


def _ensemble(answers: list[LabeledAnswer], y: list[int], **opts: Any) -> dict[str, Any]:
    """Total = expected within-member + MI(member; cluster) (plug-in, exact identity)."""
    members = [a.member for a in answers]
    total = discrete_semantic_entropy(y)
    expected = conditional_entropy(members, y)
    out: dict[str, Any] = {
        "members": len(set(members)),
        "total": total,
        "expected_within_member": expected,
        "distribution": _dist(members, y),
    }
    if len(set(members)) < 2:
        out.update(mutual_information_raw=0.0, mutual_information=0.0)
        out["reason"] = "single ensemble member: no disagreement between members measurable"
        return out
    raw, value, extra = _mi(members, y, opts["correction"], opts["permutations"], opts["seed"])
    out.update(mutual_information_raw=raw, mutual_information=value, correction=extra)
    return out


def _clusters(
    answers: list[LabeledAnswer], y: list[int], reps: list[int], lik: np.ndarray | None
) -> list[Cluster]:
    n = len(answers)
    out = []
    for cid, rep in enumerate(reps):
        idx = [i for i, c in enumerate(y) if c == cid]
        labels = {
            kind: dict(Counter(getattr(answers[i], kind) for i in idx)) for kind in LABEL_KINDS
        }
        scored = [i for i in idx if answers[i].logprob is not None]
        if scored:  # show the most likely wording of the meaning, not the first sampled one
            rep = max(scored, key=lambda i: answers[i].logprob)
        out.append(
            Cluster(
                id=cid,
                representative=answers[rep].text,
                members=[answers[i].text for i in idx],
                probability=len(idx) / n,
                likelihood_probability=None if lik is None else float(lik[cid]),
                labels=labels,
            )
        )
    return out


def _differing_readings(answers: list[LabeledAnswer], y: list[int]) -> list[str]:
    """Readings whose modal clusters differ: one reading per distinct modal cluster.

    For each modal cluster keep the reading that lands in it most often; order by that
    count (ties: first seen). Empty when all readings agree on the modal answer.
    """
    readings = [a.reading for a in answers]
    table = contingency(readings, y)
    names = list(dict.fromkeys(readings))
    best: dict[int, tuple[int, int]] = {}  # modal cluster -> (count, reading index)
    for r, row in enumerate(table):
        modal = int(np.argmax(row))  # ties -> the overall more probable cluster
        count = int(row[modal])
        if modal not in best or count > best[modal][0]:
            best[modal] = (count, r)
    if len(best) < 2:
        return []
    chosen = sorted(best.values(), key=lambda t: (-t[0], t[1]))
    return [names[r] for _, r in chosen]

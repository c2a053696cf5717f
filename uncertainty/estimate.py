"""From labelled samples to the uncertainty vector.

Clusters are computed once over all samples and shared by every component but one:

- semantic_entropy: discrete semantic entropy of the pooled clusters. The value is the
  discrete (frequency) estimate, Miller-Madow corrected unless entropy_correction="none":
  it works for backends without log-probs, keeps vectors comparable across backends, and
  is not skewed by a small model's miscalibrated likelihoods. The likelihood-weighted
  estimate (Farquhar et al. 2024) is in the evidence when every sample has a log-prob.
- epistemic: expected entropy within cells (cell = reading x perspective): what is left
  once the request and the value position are fixed; Miller-Madow corrected within each
  cell unless entropy_correction="none". The ensemble decomposition over `member`
  (total, expected within-member, MI) is evidence.
- ambiguity: MI(reading; cluster) (Hou et al. 2023).
- value_conflict: MI(perspective; position cluster). Perspectives are asked for a
  position and a reason; the reasons differ by design, so the positions (uncertainty.
  positions) are clustered on their own and compared. Whole-answer MI is evidence.

MIs are corrected by the permutation baseline unless mi_correction="none"; Miller-Madow
is not offered for MI (see uncertainty.information). Each MI component's evidence has
its `ceiling`: the corrected value a perfect association reaches with these labels, the
figure thresholds must be read against (0.875 for 3 readings x 4 samples, not ln 3).

An empty answer is no evidence: it is left out of every component (the count is in the
semantic_entropy evidence) unless every answer is empty.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from uncertainty.clustering import cluster_answers
from uncertainty.entropy import (
    discrete_semantic_entropy,
    entropy_from_counts,
    has_likelihoods,
    likelihood_cluster_probabilities,
    likelihood_semantic_entropy,
    miller_madow_entropy,
)
from uncertainty.information import (
    conditional_entropy,
    contingency,
    miller_madow_conditional_entropy,
    mutual_information,
    permutation_ceiling,
    permutation_mutual_information,
)
from uncertainty.judges import EquivalenceJudge
from uncertainty.positions import position
from uncertainty.report import Cluster, Component, ComponentName, UncertaintyReport
from uncertainty.samples import LabeledAnswer

EntropyCorrection = Literal["miller_madow", "none"]
MICorrection = Literal["permutation", "none"]
ENTROPY_CORRECTIONS = ("miller_madow", "none")
MI_CORRECTIONS = ("permutation", "none")
LABEL_KINDS = ("reading", "perspective", "member")


def estimate(
    answers: Sequence[LabeledAnswer],
    judge: EquivalenceJudge,
    question: str = "",
    *,
    entropy_correction: EntropyCorrection = "miller_madow",
    mi_correction: MICorrection = "permutation",
    permutations: int = 200,
    seed: int = 0,
) -> UncertaintyReport:
    """Cluster the answers by meaning and compute the four components."""
    answers = list(answers)
    if not answers:
        raise ValueError("estimate needs at least one answer")
    if entropy_correction not in ENTROPY_CORRECTIONS:
        raise ValueError(
            f"entropy_correction must be one of {ENTROPY_CORRECTIONS}, got {entropy_correction!r}"
        )
    if mi_correction not in MI_CORRECTIONS:
        raise ValueError(f"mi_correction must be one of {MI_CORRECTIONS}, got {mi_correction!r}")
    nonempty = [a for a in answers if a.text.strip()]
    empty = len(answers) - len(nonempty)
    answers = nonempty or answers
    clustering = cluster_answers([a.text for a in answers], judge, question)
    y, reps = _rank(clustering.assignments, clustering.representatives)
    mi: dict[str, Any] = {"correction": mi_correction, "permutations": permutations, "seed": seed}
    mm = entropy_correction == "miller_madow"
    se = _semantic_entropy(y, answers, mm)
    se.evidence["empty_answers"] = empty
    if empty and not nonempty:
        se.evidence["empty_note"] = "every answer was empty: nothing was measured"
    return UncertaintyReport(
        semantic_entropy=se,
        epistemic=_epistemic(answers, y, mm, **mi),
        ambiguity=_mi_component("ambiguity", "reading", [a.reading for a in answers], y, **mi),
        value_conflict=_value_conflict(answers, y, judge, question, **mi),
        clusters=_clusters(answers, y, reps),
        differing_readings=_differing_readings(answers, y),
        n_samples=len(answers),
    )


def _rank(assignments: list[int], reps: list[int]) -> tuple[list[int], list[int]]:
    """Renumber clusters by size (desc), ties by first appearance: id 0 is the mode."""
    counts = Counter(assignments)
    order = sorted(range(len(reps)), key=lambda c: (-counts[c], c))
    new = {old: i for i, old in enumerate(order)}
    return [new[c] for c in assignments], [reps[old] for old in order]


def _logprobs(answers: list[LabeledAnswer]) -> list[float] | None:
    """Every answer's log-prob, or None when one is missing or none is finite."""
    if any(a.logprob is None for a in answers):
        return None
    lps = [float(a.logprob) for a in answers]  # type: ignore[arg-type]
    return lps if has_likelihoods(lps) else None


def _dist(labels: Sequence[str], y: list[int]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for label, c in zip(labels, y, strict=True):
        row = out.setdefault(label, {})
        row[str(c)] = row.get(str(c), 0) + 1
    return out


def _semantic_entropy(y: list[int], answers: list[LabeledAnswer], corrected: bool) -> Component:
    raw = discrete_semantic_entropy(y)
    counts = np.bincount(y)
    mm = miller_madow_entropy(counts)
    k, n = len(counts), len(y)
    evidence: dict[str, Any] = {
        "discrete": raw,
        "miller_madow": mm,
        "n_clusters": k,
        "n_samples": n,
        "distribution": {str(c): int(v) for c, v in enumerate(counts)},
        "likelihood_weighted": None,
    }
    lps = _logprobs(answers)
    if lps is not None:
        evidence["likelihood_weighted"] = likelihood_semantic_entropy(y, lps)
    elif any(a.logprob is None for a in answers):
        evidence["likelihood_note"] = "not computed: some samples have no log-prob"
    else:
        evidence["likelihood_note"] = "not computed: no sample has a finite log-prob"
    method = "discrete semantic entropy" + (
        f", Miller-Madow corrected (+(K-1)/(2N) = {(k - 1) / (2 * n):.4f})" if corrected else ""
    )
    return Component("semantic_entropy", mm if corrected else raw, raw, method, evidence)


def _mi(
    labels: list[str], y: list[int], correction: str, permutations: int, seed: int
) -> tuple[float, float, dict[str, Any]]:
    """(raw, corrected >= 0, evidence) for MI(label; cluster)."""
    raw = mutual_information(labels, y)
    if correction == "none":
        return raw, raw, {"ceiling": entropy_from_counts(list(Counter(labels).values()))}
    pm = permutation_mutual_information(labels, y, permutations, seed)
    evidence = {
        "permutation_mean": pm.null_mean,
        "permutation_std": pm.null_std,
        "p_value": pm.p_value,
        "permutations": pm.permutations,
        "seed": seed,
        "ceiling": permutation_ceiling(labels, permutations, seed).corrected,
    }
    return raw, pm.corrected, evidence


_MI_METHOD = {
    "none": "plug-in MI({kind}; {clusters})",
    "permutation": "MI({kind}; {clusters}) minus mean MI of {n} label permutations, clipped at 0",
}


def _mi_component(
    name: ComponentName,
    kind: str,
    labels: list[str],
    y: list[int],
    *,
    clusters: str = "cluster",
    **opts: Any,
) -> Component:
    evidence: dict[str, Any] = {"distribution": _dist(labels, y), "n_samples": len(y)}
    distinct = sorted(set(labels))
    if len(distinct) < 2:
        evidence["reason"] = f"only one {kind} ({distinct[0]!r}): no {name} can be measured"
        evidence["ceiling"] = 0.0
        return Component(name, 0.0, 0.0, f"not applicable (single {kind})", evidence)
    raw, value, extra = _mi(labels, y, opts["correction"], opts["permutations"], opts["seed"])
    evidence.update(extra)
    evidence["entropy_cluster"] = discrete_semantic_entropy(y)
    evidence["entropy_cluster_given_label"] = conditional_entropy(labels, y)
    method = _MI_METHOD[opts["correction"]].format(
        kind=kind, clusters=clusters, n=opts["permutations"]
    )
    return Component(name, value, raw, method, evidence)


def _value_conflict(
    answers: list[LabeledAnswer], y: list[int], judge: EquivalenceJudge, question: str, **opts: Any
) -> Component:
    """MI(perspective; position cluster): do the perspectives take different positions?"""
    labels = [a.perspective for a in answers]
    if len(set(labels)) < 2:
        return _mi_component("value_conflict", "perspective", labels, y, **opts)
    positions = [position(a.text) for a in answers]
    by_position = cluster_answers(positions, judge, question).assignments
    comp = _mi_component(
        "value_conflict", "perspective", labels, by_position, clusters="position cluster", **opts
    )
    comp.evidence["positions"] = {
        label: Counter(
            p for p, lab in zip(positions, labels, strict=True) if lab == label
        ).most_common(1)[0][0]
        for label in dict.fromkeys(labels)
    }
    comp.evidence["whole_answer_mi_raw"] = mutual_information(labels, y)
    return comp


def _epistemic(answers: list[LabeledAnswer], y: list[int], corrected: bool, **mi: Any) -> Component:
    cells = [f"{a.reading} | {a.perspective}" for a in answers]
    raw = conditional_entropy(cells, y)
    value = miller_madow_conditional_entropy(cells, y) if corrected else raw
    evidence: dict[str, Any] = {
        "cells": _dist(cells, y),
        "n_cells": len(set(cells)),
        "ensemble": _ensemble(answers, y, **mi),
    }
    method = "expected entropy within reading x perspective cells" + (
        ", Miller-Madow corrected within each cell" if corrected else ""
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


def _clusters(answers: list[LabeledAnswer], y: list[int], reps: list[int]) -> list[Cluster]:
    n = len(answers)
    lps = _logprobs(answers)
    lik = None if lps is None else likelihood_cluster_probabilities(y, lps)
    out = []
    for cid, rep in enumerate(reps):
        idx = [i for i, c in enumerate(y) if c == cid]
        labels = {
            kind: dict(Counter(getattr(answers[i], kind) for i in idx)) for kind in LABEL_KINDS
        }
        scored = [i for i in idx if _finite(answers[i].logprob)]
        if scored:  # show the most likely wording of the meaning, not the first sampled one
            rep = max(scored, key=lambda i: float(answers[i].logprob))  # type: ignore[arg-type]
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


def _finite(logprob: float | None) -> bool:
    return logprob is not None and bool(np.isfinite(logprob))


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

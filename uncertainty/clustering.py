"""Greedy semantic clustering against one representative per cluster (Kuhn et al. 2023)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from uncertainty.judges import EquivalenceJudge


@dataclass
class Clustering:
    assignments: list[int]  # cluster id per text, ids in order of first appearance
    representatives: list[int]  # index (into texts) of each cluster's representative
    comparisons: int = 0  # judge calls made (exact duplicates cost none)

    @property
    def n_clusters(self) -> int:
        return len(self.representatives)


def cluster_answers(
    texts: Sequence[str], judge: EquivalenceJudge, question: str = ""
) -> Clustering:
    """Assign each text to the first cluster whose representative it matches.

    Each new text is compared with one representative per existing cluster, so the cost
    is O(N*C) judge calls, not O(N^2). Texts equal after whitespace and case folding
    join their twin's cluster without a judge call. `judge.bind` sees every text once up
    front, so an embedding judge embeds them in one batch.
    """
    texts = list(texts)
    if not texts:
        return Clustering([], [], 0)
    same = judge.bind(question, texts)
    assignments: list[int] = []
    reps: list[int] = []
    seen: dict[str, int] = {}
    comparisons = 0
    for i, text in enumerate(texts):
        key = " ".join(text.split()).casefold()
        if key in seen:
            assignments.append(seen[key])
            continue
        cid = None
        for c, rep in enumerate(reps):
            comparisons += 1
            if same(rep, i):
                cid = c
                break
        if cid is None:
            cid = len(reps)
            reps.append(i)
        seen[key] = cid
        assignments.append(cid)
    return Clustering(assignments, reps, comparisons)

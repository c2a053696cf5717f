"""When to stop drawing samples: the meaning clusters have settled.

An adaptive turn (agent.nodes.sample) draws its samples in rounds and asks, after each,
whether another round could still change what the turn shows. What a move shows rests
on each cell's modal meaning (the answer, the hedge's guess, each perspective's
position, which readings differ) and, for the report, on the entropy of the meanings.
So a cell (a reading or a perspective) has settled when

- after its first round: its answers already agree (one meaning, at least two
  answers): more samples of a unanimous cell rarely move its mode;
- after a later round: its modal meaning did not change (and is not tied), and its
  plug-in semantic entropy moved by at most `tolerance` nats.

Only the cells that have not settled are drawn again; the turn stops when all have.

This is the stopping rule of adaptive semantic-entropy estimators in its simplest form
(stop when the estimate stops changing; Ciosek et al. 2025 report the same AUROC with
about half the samples). Labels are cluster ids of ONE clustering of all answers so
far, so a cell's earlier answers keep their ids; `before` is the same labels without
the latest round. Numbers in, a dataclass out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from uncertainty.entropy import discrete_semantic_entropy

TOLERANCE = 0.15
"""Nats. Below the smallest change one more answer makes to a small pool: 4 answers 3/1
-> 5 answers 3/2 moves the plug-in entropy by 0.11, 4/0 -> 4/1 by 0.50."""

Labels = Mapping[str, Sequence[int]]
"""cell -> the cluster id of each of its answers, in the order drawn."""


@dataclass(frozen=True)
class Settling:
    stop: bool  # every cell has settled
    reason: str
    answers: int
    entropy: float  # pooled plug-in semantic entropy of the answers so far, nats
    previous_entropy: float | None  # the same without the latest round (None: first round)
    modes: dict[str, int | None]  # each cell's modal cluster (None: tied)
    settled: dict[str, bool]  # per cell: whether more of its samples could change little


def modal(labels: Sequence[int]) -> int | None:
    """The most frequent cluster id; None when empty or tied."""
    counts = Counter(labels).most_common(2)
    if not counts or (len(counts) == 2 and counts[0][1] == counts[1][1]):
        return None
    return counts[0][0]


def pooled_entropy(labels: Labels) -> float:
    """Plug-in entropy (nats) of the cluster shares over every cell's answers."""
    pooled = [c for cell in labels.values() for c in cell]
    return float(discrete_semantic_entropy(pooled)) if pooled else 0.0


def cell_settled(
    now: Sequence[int], before: Sequence[int] | None, tolerance: float = TOLERANCE
) -> bool:
    """One cell: unanimous (>= 2 answers) after its first round; later, its mode held
    (untied) and its own plug-in entropy moved by at most `tolerance` nats."""
    if before is None:
        return len(now) >= 2 and len(set(now)) == 1
    mode = modal(now)
    if mode is None or mode != modal(before):
        return False
    moved = abs(discrete_semantic_entropy(list(now)) - discrete_semantic_entropy(list(before)))
    return bool(moved <= tolerance)


def settling(now: Labels, before: Labels | None = None, tolerance: float = TOLERANCE) -> Settling:
    """Whether to stop drawing: `now` = every answer so far, `before` = without the
    latest round (None after the first). A cell absent from `before` is in its first
    round; a settled cell drawn no further has the same labels in both, so stays settled."""
    answers = sum(len(v) for v in now.values())
    settled = {
        cell: cell_settled(labels, None if before is None else before.get(cell), tolerance)
        for cell, labels in now.items()
    }
    open_cells = [c for c, ok in settled.items() if not ok]
    reason = (
        "every cell's meanings have settled"
        if now and not open_cells
        else f"{len(open_cells)} of {len(now)} cell(s) not settled"
    )
    return Settling(
        stop=bool(now) and not open_cells,
        reason=reason,
        answers=answers,
        entropy=pooled_entropy(now),
        previous_entropy=None if before is None else pooled_entropy(before),
        modes={cell: modal(labels) for cell, labels in now.items()},
        settled=settled,
    )

"""When to stop drawing samples: the meaning clusters have settled.

An adaptive turn (agent.nodes.sample) draws its samples in rounds and asks, after each,
whether another round could still change what the turn shows. What a move shows rests
on each cell's modal meaning (the answer, the hedge's guess, each perspective's
position, which readings differ) and, for the report, on the entropy of the meanings.
So the clusters have settled when

- after the first round: every cell's answers already agree (one meaning per cell, at
  least two answers each): more samples of a unanimous cell rarely move its mode;
- after a later round: no cell's modal meaning changed (and none is tied), and the
  pooled plug-in semantic entropy moved by at most `tolerance` nats.

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
    stop: bool
    reason: str
    answers: int
    entropy: float  # pooled plug-in semantic entropy of the answers so far, nats
    previous_entropy: float | None  # the same without the latest round (None: first round)
    modes: dict[str, int | None]  # each cell's modal cluster (None: tied)


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


def settling(now: Labels, before: Labels | None = None, tolerance: float = TOLERANCE) -> Settling:
    """Whether to stop drawing: `now` = every answer so far, `before` = without the
    latest round (None after the first)."""
    answers = sum(len(v) for v in now.values())
    entropy = pooled_entropy(now)
    modes = {cell: modal(labels) for cell, labels in now.items()}
    if before is None:
        unanimous = all(len(v) >= 2 and len(set(v)) == 1 for v in now.values())
        reason = (
            "every cell's answers agree after the first round"
            if unanimous
            else "a cell's answers differ after the first round"
        )
        return Settling(bool(now) and unanimous, reason, answers, entropy, None, modes)
    previous = pooled_entropy(before)
    changed = [
        cell for cell in now if modes[cell] is None or modes[cell] != modal(before.get(cell, ()))
    ]
    moved = abs(entropy - previous)
    if changed:
        reason = f"the modal meaning of {len(changed)} cell(s) changed or is tied"
    elif moved > tolerance:
        reason = f"semantic entropy moved {moved:.2f} > {tolerance:g} nats"
    else:
        reason = f"modes unchanged, semantic entropy moved {moved:.2f} <= {tolerance:g} nats"
    return Settling(not changed and moved <= tolerance, reason, answers, entropy, previous, modes)

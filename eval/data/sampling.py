"""Seeded stratified sampling: `--limit N` keeps every class, never the first N rows."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def allocate(sizes: dict[str, int], limit: int) -> dict[str, int]:
    """Proportional allocation (largest remainder) with at least one row per class."""
    total = sum(sizes.values())
    if limit >= total:
        return dict(sizes)
    classes = sorted(sizes)
    if limit < len(classes):
        return {c: (1 if i < limit else 0) for i, c in enumerate(classes)}
    share = {c: max(1.0, limit * sizes[c] / total) for c in classes}
    alloc = {c: min(sizes[c], int(share[c])) for c in classes}
    order = sorted(classes, key=lambda c: share[c] - int(share[c]), reverse=True)
    while sum(alloc.values()) < limit:
        grew = False
        for c in order:
            if sum(alloc.values()) < limit and alloc[c] < sizes[c]:
                alloc[c] += 1
                grew = True
        if not grew:
            break
    while sum(alloc.values()) > limit:  # the minimum of one per class overshot
        c = max(classes, key=lambda k: alloc[k])
        alloc[c] -= 1
    return alloc


def stratified_sample(
    items: Sequence[T],
    limit: int | None,
    seed: int,
    key: Callable[[T], str] = lambda it: it.label,  # type: ignore[attr-defined]
) -> list[T]:
    """`limit` rows drawn per class in proportion to its size, seeded; all rows if None."""
    if limit is None or limit >= len(items):
        return list(items)
    if limit < 1:
        raise ValueError("--limit must be at least 1")
    groups: dict[str, list[T]] = {}
    for it in items:
        groups.setdefault(key(it), []).append(it)
    rng = random.Random(seed)
    alloc = allocate({c: len(g) for c, g in groups.items()}, limit)
    if sum(1 for n in alloc.values() if n) < len(groups):  # limit < classes: pick classes
        picked = rng.sample(sorted(groups), limit)
        alloc = {c: int(c in picked) for c in groups}
    chosen: list[T] = []
    for c in sorted(groups):
        chosen.extend(rng.sample(groups[c], alloc[c]))
    rng.shuffle(chosen)
    return chosen

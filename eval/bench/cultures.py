"""`python -m eval bench --cultures`: what the culture adapters cost in a perspectives turn.

Side by side in one run, on one GlobalOpinionQA-style question with options: the lazy load
(base model through transformers + every adapter), then per repeat the batched scoring of
G groups (their top experts in ONE mixed-adapter forward pass), G sequential single-group
calls, and the base model alone on the same rows (what the adapters add per row).
"""

from __future__ import annotations

import statistics
import time

QUESTION = "How important is religion in your life?"
OPTIONS = ["Very important", "Somewhat important", "Not too important", "Not at all important"]
GROUPS = ["United States", "Japan", "Egypt", "Nigeria", "Brazil", "Russia"]


def _median_s(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def run_cultures(repeats: int = 3) -> dict:
    from agent.adapters import CultureAdapters

    scorer = CultureAdapters()
    start = time.perf_counter()
    scorer.distributions(QUESTION, OPTIONS, GROUPS[:1])
    load = round(time.perf_counter() - start, 2)
    rows = [(g, e) for g in GROUPS for e in scorer.gate.top(g)]
    batched = _median_s(lambda: scorer.distributions(QUESTION, OPTIONS, GROUPS), repeats)
    one_by_one = _median_s(
        lambda: [scorer.distributions(QUESTION, OPTIONS, [g]) for g in GROUPS], repeats
    )
    base_rows = [(g, "__base__") for g, _ in rows]
    base = _median_s(lambda: scorer.score(QUESTION, OPTIONS, base_rows), repeats)
    return {
        "groups": len(GROUPS),
        "rows": len(rows),
        "first_call_s (lazy load + score 1 group)": load,
        "batched_s (all groups, one call)": batched,
        "sequential_s (one call per group)": one_by_one,
        "base_model_same_rows_s": base,
        "batched_vs_sequential": round(one_by_one / batched, 2) if batched else None,
        "adapters_vs_base": round(batched / base, 2) if base else None,
        "repeats": repeats,
    }

"""`python -m eval bench --profile`: where a direct (probe-first) turn spends its time.

A clear request answered directly costs one greedy answer, as a plain turn does; what
else it pays is bookkeeping. For each clear-fact prompt of the bench, R times in turn
and from cold KV caches: the plain turn, then the Clarion turn (adaptive) with its parts
timed where they are called: the judges' sentence embedding, the model's generation
(the judges' greedy answer and its continuation), the checkpoint writes (LangGraph
writes them in a background thread, so they overlap the next node), and the rest of
the turn (graph, threads, judges' arithmetic, report). Figures are medians over the
repeats of per-turn sums, then medians over the prompts answered directly.
"""

from __future__ import annotations

import functools
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PARTS = {  # part: (object, method names) timed while a Clarion turn runs
    "embedding": ("embedder", ("embed",)),
    "generation": ("backend", ("greedy", "extend", "sample_batch")),
    "checkpoint_writes": ("checkpointer", ("put", "put_writes")),
}


@contextmanager
def timing(objects: dict[str, Any], spent: dict[str, float]) -> Iterator[None]:
    """Time the PARTS' methods of `objects` (instance attributes, removed afterwards);
    seconds add up in `spent[part]`."""
    patched = []
    for part, (name, methods) in PARTS.items():
        obj = objects[name]
        for method in methods:
            if not hasattr(obj, method):
                continue
            original = getattr(obj, method)

            def timed(*args, _original=original, _part=part, **kwargs):
                started = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    spent[_part] += time.perf_counter() - started

            setattr(obj, method, functools.wraps(original)(timed))
            patched.append((obj, method))
    try:
        yield
    finally:
        for obj, method in patched:
            delattr(obj, method)


def profile_direct_turns(backend, embedder, answer_tokens: int, repeats: int, per_category: int):
    """Per prompt of the clear category: the medians of the plain turn, the Clarion turn
    and its parts; and their medians over the prompts answered directly."""
    from tqdm import tqdm

    from agent import Agent, AgentConfig
    from agent.db import Database
    from agent.judges import judge_conversation
    from agent.store import close_checkpointer, open_checkpointer
    from eval.bench.turns import bench_prompts

    folder = Path(tempfile.mkdtemp(prefix="clarion-profile-"))
    config = AgentConfig(
        answer_tokens=answer_tokens,
        seed=0,
        timeout_s=900,
        db_path=folder / "profile.sqlite",
        data_dir=folder,
    )
    checkpointer = open_checkpointer(Database(config.database))
    agent = Agent(config, backend=backend, embedder=embedder, checkpointer=checkpointer)
    agent.chat("Hello!")  # lazy loads
    objects = {"backend": backend, "embedder": embedder, "checkpointer": checkpointer}
    cold = getattr(backend, "clear_cache", lambda: None)
    forget = getattr(embedder, "clear_cache", lambda: None)
    prompts = [p for c, p in bench_prompts(per_category) if c == "clear"]
    rows = []
    for prompt in tqdm(prompts, desc="profile", unit="prompt", file=sys.stderr):
        runs: dict[str, list[float]] = defaultdict(list)
        move = ""
        for _ in range(repeats):
            cold()
            started = time.perf_counter()
            backend.greedy(judge_conversation(prompt), answer_tokens)
            runs["plain_s"].append(time.perf_counter() - started)
            cold()
            forget()  # the turn embeds its request, as a new request would
            spent: dict[str, float] = defaultdict(float)
            with timing(objects, spent):
                started = time.perf_counter()
                move = agent.chat(prompt).kind
                turn = time.perf_counter() - started
            runs["clarion_s"].append(turn)
            for part in PARTS:
                runs[f"{part}_s"].append(spent[part])
            runs["rest_s"].append(turn - spent["embedding"] - spent["generation"])
        row = {"prompt": prompt, "move": move, **{k: statistics.median(v) for k, v in runs.items()}}
        row["ratio"] = row["clarion_s"] / row["plain_s"]
        rows.append(row)
    agent.close()
    close_checkpointer(checkpointer)
    direct = [r for r in rows if r["move"] == "answer"]
    keys = [k for k in rows[0] if k.endswith("_s") or k == "ratio"] if rows else []
    medians = {k: statistics.median(r[k] for r in direct) for k in keys} if direct else {}
    return {"repeats": repeats, "prompts": rows, "direct_medians": medians}


def format_profile(result: dict) -> list[str]:
    parts = ["plain_s", "clarion_s", *(f"{p}_s" for p in PARTS), "rest_s"]
    head = "".join(f"{p[:-2][:11]:>12}" for p in parts)
    lines = [
        f"direct turns of clear facts, ms (median of {result['repeats']} repeats; "
        "checkpoint writes run in a background thread; rest = turn - embedding - generation)",
        f"{'prompt':32} {'move':12}{head} {'ratio':>6}",
    ]
    for r in result["prompts"]:
        cells = "".join(f"{r[p] * 1000:12.1f}" for p in parts)
        lines.append(f"{r['prompt'][:32]:32} {r['move']:12}{cells} {r['ratio']:6.2f}")
    m = result["direct_medians"]
    if m:
        cells = "".join(f"{m[p] * 1000:12.1f}" for p in parts)
        lines.append(f"{'median of the direct turns':32} {'':12}{cells} {m['ratio']:6.2f}")
    return lines

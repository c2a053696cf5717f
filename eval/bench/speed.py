"""Decode speed, memory and start-up for `python -m eval bench`.

Tokens/s: N samples x T tokens (EOS banned until T, temperature 0.7, top-p 0.9, top-k
50 everywhere) of the same prompt, through the default backend, through transformers,
through our llama.cpp backend on the GGUF file exactly as shipped, and through
llama-cpp-python's own create_completion on that file (sequential: it decodes one
sequence at a time) — the reference. Start-up: a fresh process loads the default backend
and answers 8 greedy tokens, once with an empty model cache (cold: the one-time F16
conversion) and once more (warm).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROMPT = "What is the capital of France?"
START_SCRIPT = """
import json, sys, time
started = time.perf_counter()
from agent.llm import load_backend
backend = load_backend(threads=int(sys.argv[1]) if len(sys.argv) > 1 else None)
backend.greedy([{"role": "user", "content": "Hello"}], 8)
print(json.dumps({"seconds": time.perf_counter() - started, "backend": backend.name}))
"""


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_times(threads: int | None) -> dict:
    """Cold and warm start of the default backend in fresh processes."""
    root = Path(__file__).resolve().parents[1]
    cache = tempfile.mkdtemp(prefix="clarion-cold-")
    env = {**os.environ, "CLARION_CACHE_DIR": cache, "PYTHONPATH": str(root)}
    out = {}
    for name in ("cold", "warm"):
        args = [sys.executable, "-c", START_SCRIPT, *([str(threads)] if threads else [])]
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            out[name] = {"error": done.stderr[-500:]}
            continue
        out[name] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def forced(n: int, tokens: int, seed: int):
    from agent.llm.base import SamplingParams

    return SamplingParams(n=n, max_new_tokens=tokens, min_new_tokens=tokens, seed=seed)


def sample_seconds(backend, n: int, tokens: int, seed: int) -> float:
    messages = [{"role": "user", "content": PROMPT}]
    backend.sample(messages, forced(2, 2, seed))  # warm-up
    started = time.perf_counter()
    backend.sample(messages, forced(n, tokens, seed))
    return time.perf_counter() - started


def tokens_per_second(default, n: int, tokens: int, seed: int, threads: int | None) -> dict:
    """tokens/s per engine (None where it cannot run here) and why not."""
    from agent.errors import ClarionError
    from agent.llm import load_backend
    from agent.llm.loading import default_gguf_path

    total = n * tokens
    speeds: dict[str, float | None] = {"default": total / sample_seconds(default, n, tokens, seed)}
    why: dict[str, str] = {}
    kwargs: dict[str, Any] = {"threads": threads} if threads else {}
    engines = {
        "transformers": lambda: load_backend(backend="transformers", **kwargs),
        "llamacpp_ours_as_shipped": lambda: _ours_as_shipped(kwargs),
    }
    for name, load in engines.items():
        try:
            speeds[name] = total / sample_seconds(load(), n, tokens, seed)
        except (ClarionError, ImportError) as exc:
            speeds[name], why[name] = None, str(exc)
    try:
        from eval.bench.measures import LlamaCpp

        reference = LlamaCpp(str(default_gguf_path()), threads=threads, seed=seed)
        prompt = default.render([{"role": "user", "content": PROMPT}])
        reference.sample(prompt, 1, 2, seed)  # warm-up
        seconds, made = reference.sample(prompt, n, tokens, seed)
        speeds["llamacpp_create_completion"] = made / seconds
    except ImportError as exc:
        speeds["llamacpp_create_completion"], why["llamacpp_create_completion"] = None, str(exc)
    return {"tokens_per_second": speeds, "unavailable": why}


def _ours_as_shipped(kwargs: dict):
    from agent.llm.llamacpp_backend import LlamaCppBackend

    return LlamaCppBackend.load(None, dequantize=False, **kwargs)


def speed_ratios(speeds: dict) -> dict:
    ref = speeds.get("llamacpp_create_completion")

    def over(name: str) -> float | None:
        value = speeds.get(name)
        return value / ref if value and ref else None

    return {
        "ours_over_llamacpp": over("default"),
        "transformers_over_llamacpp": over("transformers"),
        "llamacpp_ours_as_shipped_over_llamacpp": over("llamacpp_ours_as_shipped"),
    }

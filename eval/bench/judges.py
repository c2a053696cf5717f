"""`python -m eval bench --judges`: what the model's prompt embedding costs the judges.

Side by side in one run, on the default backend (llama.cpp) and the committed weights:
the judges as they run (the judges that read llm_embedding get it from `prompt_embeddings`,
then the greedy answer reuses that prompt's KV) and the same judges on their fallback
probes (no prompt embedding: the greedy answer alone), on MESSAGES; each message's figure
is the median of R repeats, each from an empty KV cache (a fresh turn's judge prompt).
"""

from __future__ import annotations

import statistics
import time

from eval.bench.cultures import _median_s

MESSAGES = (
    "What is the capital of France?",
    "Convert this file for me.",
    "Write a login handler.",
    "How hot is Mercury?",
    "Should the death penalty be abolished?",
    "How many legs does a spider have?",
    "Translate 'good morning' into Spanish.",
    "Who won the last World Cup?",
)


def run_judges(repeats: int = 3) -> dict:
    from agent.context import load_embedder
    from agent.judges import Judges
    from agent.llm.llamacpp_backend import LlamaCppBackend

    start = time.perf_counter()
    backend = LlamaCppBackend.load(None)
    load_s = round(time.perf_counter() - start, 2)
    embedder = load_embedder()
    judges = Judges.load()
    plain = Judges({**judges.probes, **judges.fallbacks}, judges.auxiliary)

    def turn(j: Judges, message: str):
        backend.clear_cache()
        return j.judge(message, embedder, backend)

    embedder.embed(list(MESSAGES))  # warm: the embedder's first call, its cache
    turn(judges, MESSAGES[0])  # warm: the backend's first call
    rows: list[dict] = []
    times: dict[str, list[float]] = {"judges_s": [], "fallback_s": [], "block_s": []}
    for message in MESSAGES:
        with_block = _median_s(lambda m=message: turn(judges, m), repeats)
        fallback = _median_s(lambda m=message: turn(plain, m), repeats)
        block = _median_s(lambda m=message: _embed(backend, m), repeats)
        for key, value in (("judges_s", with_block), ("fallback_s", fallback), ("block_s", block)):
            times[key].append(value)
        rows.append(
            {"message": message, "judges_s": with_block, "fallback_s": fallback, "block_s": block}
        )
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "backend": backend.name,
        "backend_load_s": load_s,
        "reads_llm_embedding": sorted(judges.fallbacks),
        "repeats": repeats,
        "rows": rows,
        "median_judges_ms": round(1000 * med["judges_s"], 1),
        "median_fallback_ms": round(1000 * med["fallback_s"], 1),
        "median_prompt_embedding_ms": round(1000 * med["block_s"], 1),
        "ratio_judges_to_fallback": round(med["judges_s"] / med["fallback_s"], 2),
    }


def _embed(backend, message: str):
    from agent.judges import judge_conversation

    backend.clear_cache()
    return backend.prompt_embeddings([judge_conversation(message)])

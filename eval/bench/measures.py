"""The timed operations of `python -m eval bench`, one function per figure.

Each function does the work once and returns its wall time in seconds (plus what the
report needs to know about the work). The orchestration, repeats and formatting live
in eval/bench/run.py and eval/bench/cli.py.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.llm.base import SamplingParams
from uncertainty import EquivalenceJudge


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def user(message: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": message}]


# -- turns -------------------------------------------------------------------------


def plain_turn(backend, message: str, tokens: int) -> tuple[float, int]:
    """One greedy answer: what any user would compare a turn with."""
    seconds, sample = timed(backend.greedy, user(message), max_new_tokens=tokens)
    return seconds, len(sample.token_ids)


def make_agent(
    backend, embedder, tokens: int, db_path: Path, model: str | None, quantize: str, **overrides
):
    """The real Agent on an already loaded backend and embedder, or the reason it is
    unavailable (never a stand-in)."""
    from agent import Agent, AgentConfig

    config = AgentConfig(
        model=model, quantize=quantize, max_new_tokens=tokens, seed=0, db_path=db_path, **overrides
    )
    return Agent(config, backend=backend, embedder=embedder), None


def clarion_turn(agent, message: str) -> tuple[float, str]:
    """The whole graph for the message, on a fresh thread."""
    seconds, reply = timed(agent.chat, message)
    return seconds, reply.kind


# -- sampling ------------------------------------------------------------------------


def forced(n: int, tokens: int, seed: int) -> SamplingParams:
    """Exactly `tokens` new tokens per sample: EOS is suppressed until then
    (transformers' min_new_tokens), so batched and sequential do the same work."""
    return SamplingParams(n=n, max_new_tokens=tokens, min_new_tokens=tokens, seed=seed)


def sampling_batched(
    backend, message: str, n: int, tokens: int, seed: int, natural: bool = False, **extra
) -> tuple[float, list]:
    """N samples in one call; natural = ending at EOS (plus `extra` SamplingParams such
    as stop strings or the straggler cut) instead of forced to T tokens."""
    params = (
        SamplingParams(n=n, max_new_tokens=tokens, seed=seed, **extra)
        if natural
        else forced(n, tokens, seed)
    )
    return timed(backend.sample, user(message), params)


def sampling_sequential(backend, message: str, n: int, tokens: int, seed: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        backend.sample(user(message), forced(1, tokens, seed + i))
    return time.perf_counter() - started


def encode_prompt(backend, message: str, cached: bool) -> float:
    """Render + tokenize one prompt; cold clears the backend's token cache first."""
    if not cached:
        backend.clear_token_cache()
    seconds, _ = timed(backend.encode, [user(message)], 1)
    return seconds


# -- equivalence ---------------------------------------------------------------------


@dataclass
class Counting:
    """Wraps a judge and counts the comparisons it is asked to make."""

    judge: EquivalenceJudge
    calls: int = 0

    def bind(self, question: str, texts: Sequence[str]):
        same = self.judge.bind(question, texts)

        def counted(i: int, j: int) -> bool:
            self.calls += 1
            return same(i, j)

        return counted


def pairwise_clusters(texts: Sequence[str], judge, question: str) -> list[int]:
    """The naive method: judge every pair, then connected components."""
    same = judge.bind(question, texts)
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if same(i, j):
                parent[root(j)] = root(i)
    return [root(i) for i in range(len(texts))]


def clustering(
    texts: Sequence[str],
    judge_factory: Callable[[], EquivalenceJudge],
    question: str,
    representative: bool,
) -> tuple[float, int, int]:
    """(seconds, comparisons, clusters) with a fresh judge (cold embedding cache)."""
    from uncertainty import cluster_answers

    judge = Counting(judge_factory())
    if representative:
        seconds, result = timed(cluster_answers, texts, judge, question)
        return seconds, judge.calls, result.n_clusters
    seconds, roots = timed(pairwise_clusters, texts, judge, question)
    return seconds, judge.calls, len(set(roots))


# -- llama.cpp -----------------------------------------------------------------------


class LlamaCpp:
    """The same GGUF file through llama-cpp-python, sampled sequentially with the same
    settings (temperature, top-p, top-k 50) and EOS banned so each call makes T tokens.

    The file as shipped (the embedded one is Q4_1) and llama-cpp-python's own
    create_completion: the reference speed, built with plain CPU buffers on an AMX build
    (agent.llm.llamacpp_setup.plain_buffers: else its first batch segfaults there).
    """

    def __init__(self, gguf_path: str, threads: int | None = None, seed: int = 0):
        from llama_cpp import Llama

        from agent.llm.llamacpp_setup import plain_buffers

        with plain_buffers():
            self.llm = Llama(
                model_path=gguf_path,
                n_ctx=1024,
                n_threads=threads or max(1, (os.cpu_count() or 2) // 2),
                seed=seed,
                verbose=False,
            )
        self.eos = self.llm.token_eos()

    def sample(self, prompt: str, n: int, tokens: int, seed: int) -> tuple[float, int]:
        ids = self.llm.tokenize(prompt.encode(), add_bos=False, special=True)
        made = 0
        started = time.perf_counter()
        for i in range(n):
            out = self.llm.create_completion(
                ids,
                max_tokens=tokens,
                temperature=0.7,
                top_p=0.9,
                top_k=50,
                min_p=0.0,
                seed=seed + i,
                logit_bias={self.eos: -1e9},
            )
            made += int(out["usage"]["completion_tokens"])  # type: ignore[index]
        return time.perf_counter() - started, made

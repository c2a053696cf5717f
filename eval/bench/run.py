"""One model's figures for `python -m eval bench`: load, warm up, repeat, record."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from agent.llm.loading import Quantize
from agent.llm.stopping import SENTENCE_STOPS
from eval.bench import measures as m
from eval.bench.figures import ModelRun

# The Agent's speed-up options switched off: "clarion_turn_without_speedups" runs with these.
AGENT_SPEEDUPS_OFF = {"straggler_factor": 0.0, "sample_stop": "none"}
STRAGGLER = 1.5


def measure_model(spec: str | None, quantize: Quantize, args, embedder, show_progress: bool):
    """All figures for one model, R repeats each, after one untimed warm-up."""
    from tqdm import tqdm

    from agent.llm.loading import resolve
    from agent.llm.transformers_backend import TransformersBackend

    source = resolve(spec)
    run = ModelRun(source.display_name)
    backend = TransformersBackend.load(spec, quantize=quantize)  # its speed-ups are measured
    msg, n, t, seed = args.message, args.samples, args.tokens, args.seed
    run.notes["forced_length"] = (
        "min_new_tokens=T: EOS suppressed until T new tokens, "
        "in batched, sequential and llama.cpp (EOS logit -1e9)"
    )
    agents, why = {}, "--no-agent" if args.no_agent else None
    if not why:
        off = dict(AGENT_SPEEDUPS_OFF)
        variants = {"clarion_turn": {}, **({"clarion_turn_without_speedups": off} if off else {})}
        for name, overrides in variants.items():
            db = Path(tempfile.mkdtemp()) / "bench.sqlite"
            agent, why = m.make_agent(backend, embedder, t, db, spec, quantize, **overrides)
            if agent is not None:
                agents[name] = agent
        run.notes["agent_speedups_off"] = off
    if why:
        run.unavailable["clarion_turn"] = why
    llama, why = None, "--no-llamacpp" if args.no_llamacpp else None
    if not why:
        llama, why = load_llamacpp(source, seed, args.threads)
    if why:
        run.unavailable["llamacpp_sequential"] = why
    from uncertainty import EmbeddingJudge

    def judge():
        embedder.clear_cache()  # cold: both methods pay for embedding their texts
        return EmbeddingJudge(embedder)

    # warm-up: first generate call, first turn (lazy loads), first llama.cpp call
    m.plain_turn(backend, msg, 4)
    m.sampling_batched(backend, msg, 2, 2, seed)
    for agent in agents.values():
        m.clarion_turn(agent, msg)
    if llama is not None:
        llama.sample(backend.render(m.user(msg)), 1, 2, seed)
    for _ in tqdm(
        range(args.repeats),
        desc=f"bench {run.model[:30]}",
        unit="repeat",
        disable=not show_progress,
        file=sys.stderr,
    ):
        seconds, run.notes["plain_turn_tokens"] = m.plain_turn(backend, msg, t)
        run.add("plain_turn", seconds)
        for name, agent in agents.items():
            seconds, run.notes[f"{name}_move"] = m.clarion_turn(agent, msg)
            run.add(name, seconds)
        run.add("sampling_batched", m.sampling_batched(backend, msg, n, t, seed)[0])
        run.add("sampling_sequential", m.sampling_sequential(backend, msg, n, t, seed))
        backend.share_prefill = False
        run.add(
            "sampling_batched_no_shared_prefill", m.sampling_batched(backend, msg, n, t, seed)[0]
        )
        backend.share_prefill = True
        seconds, samples = m.sampling_batched(backend, msg, n, t, seed, natural=True)
        run.add("sampling_batched_natural", seconds)
        run.notes["natural_tokens_max"] = max(len(s.token_ids) for s in samples)
        pilot = max(2, n // 4)  # what an adaptive sampler's first round would cost
        run.add(
            "sampling_natural_pilot",
            m.sampling_batched(backend, msg, pilot, t, seed, natural=True)[0],
        )
        run.notes["pilot_samples"] = pilot
        for name, extra in (
            ("sampling_natural_straggler_cut", {"straggler_factor": STRAGGLER}),
            ("sampling_natural_sentence_stop", {"stop": SENTENCE_STOPS}),
        ):
            seconds, cut = m.sampling_batched(backend, msg, n, t, seed, natural=True, **extra)
            run.add(name, seconds)
            run.notes[f"{name}_tokens_max"] = max(len(s.token_ids) for s in cut)
        run.add("encode_prompt_cold", m.encode_prompt(backend, msg, cached=False))
        run.add("encode_prompt_cached", m.encode_prompt(backend, msg, cached=True))
        texts = [s.text for s in samples]
        for name, rep in (("clustering_representative", True), ("clustering_pairwise", False)):
            seconds, calls, clusters = m.clustering(texts, judge, msg, rep)
            run.add(name, seconds)
            run.notes[f"{name}_comparisons"] = calls
            run.notes[f"{name}_clusters"] = clusters
        if llama is not None:
            seconds, made = llama.sample(backend.render(m.user(msg)), n, t, seed)
            run.add("llamacpp_sequential", seconds)
            run.notes["llamacpp_tokens"] = made
    return run


def load_llamacpp(source, seed: int, threads: int | None):
    if source.kind != "gguf":
        return None, "llama.cpp needs a .gguf model file"
    try:
        from eval.bench.measures import LlamaCpp

        return LlamaCpp(source.location, threads=threads, seed=seed), None
    except ImportError:
        return None, "llama-cpp-python is not installed (pip install 'clarion[llamacpp]')"
    except Exception as exc:  # a build without this architecture, a bad file
        return None, f"llama.cpp could not load the file ({type(exc).__name__}: {exc})"

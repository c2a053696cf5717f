"""`python -m eval bench`: what a Clarion turn costs next to a plain answer.

By default (eval/bench/default.py): 32 prompts from the dialogue files in four
categories, each as a plain turn and as a Clarion turn in adaptive and full mode (ratios
per prompt, per category and overall, and the share of prompts where both modes make the
same move), tokens/s of the default backend, transformers and llama.cpp on the same GGUF,
peak memory, cold and warm start.

With --micro, the older micro-benchmarks of one message on transformers: one run
measures, side by side on the same loaded model: a plain greedy answer, a full
Clarion turn (Agent.chat on a fresh thread), N samples x T tokens in one batched call vs
N sequential calls, the backend speed-ups on and off (shared prefill, token cache),
clustering with representatives vs all pairs (same judge), and llama.cpp on the same
GGUF file when llama-cpp-python is importable. Every figure is repeated R times and
reported as min / median / max seconds; ratios are of medians. Warm-up runs (first
generate call, first turn) are excluded. Timings on a shared machine are noisy: compare
ratios from one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys

from agent.llm.loading import QUANTIZE_CHOICES
from eval.bench.figures import format_run

DEFAULT_MESSAGE = "What is the capital of France?"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m eval bench", description=__doc__.split("\n")[0])
    p.add_argument("--samples", "-n", type=int, default=8, help="N samples (default 8)")
    p.add_argument("--tokens", "-t", type=int, default=48, help="T new tokens (default 48)")
    p.add_argument("--repeats", "-r", type=int, default=3, help="R repeats (default 3)")
    p.add_argument(
        "--model",
        default=None,
        help="also measure this model (HF id, folder or .gguf) after the default",
    )
    p.add_argument(
        "--quantize",
        choices=QUANTIZE_CHOICES,
        default="none",
        help="bitsandbytes quantization for --model",
    )
    p.add_argument("--message", default=DEFAULT_MESSAGE, help="the user message to time")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="CPU threads for torch and llama.cpp (default: torch's choice). On a "
        "machine shared with other jobs, 1 avoids OpenMP spin-wait stalls",
    )
    p.add_argument("--no-llamacpp", action="store_true", help="skip llama.cpp")
    p.add_argument("--no-agent", action="store_true", help="skip the Clarion turn")
    p.add_argument(
        "--profile",
        action="store_true",
        help="instead: where a direct turn of each clear-fact prompt spends its time next to "
        "the plain turn (embedding, generation, checkpoint writes, the rest; "
        "eval/bench/profile.py; --repeats, --per-category, --answer-tokens)",
    )
    p.add_argument(
        "--per-category",
        type=int,
        default=8,
        help="prompts per category in the turn bench (default 8: 32 prompts)",
    )
    p.add_argument(
        "--answer-tokens",
        type=int,
        default=256,
        help="cap of a complete answer, plain and Clarion alike (default 256)",
    )
    p.add_argument(
        "--turn-repeats",
        type=int,
        default=1,
        help="times each prompt's plain, adaptive and full turns run, in turn; each time "
        "is the median of its repeats (default 1; `eval reproduce` uses 3)",
    )
    p.add_argument("--no-start", action="store_true", help="skip the cold/warm start figures")
    from eval.cli_suites import add_backend_arguments

    add_backend_arguments(p)  # --backend / --base-url: the turns through a model server
    p.add_argument(
        "--micro",
        action="store_true",
        help="instead: the transformers micro-benchmarks of one message (shared prefill, "
        "token cache, straggler cut, clustering; --repeats, --message, --model)",
    )
    p.add_argument(
        "--cultures",
        action="store_true",
        help="instead: the culture adapters' cost (lazy load, batched vs one call per group, "
        "vs the base model; eval/bench/cultures.py; --repeats)",
    )
    p.add_argument(
        "--judges",
        action="store_true",
        help="instead: what the judges' llm_embedding block costs a turn on llama.cpp, "
        "beside their fallback probes (eval/bench/judges.py; --repeats)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    for name in ("samples", "tokens", "repeats", "turn_repeats"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.samples < 2:
        p.error("--samples must be at least 2 (clustering needs answers to compare)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    from agent.llm.loading import configure_offline

    configure_offline()
    import torch

    from agent.context import load_embedder
    from agent.errors import ClarionError

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.cultures or args.judges:
        from eval.bench.cultures import run_cultures
        from eval.bench.judges import run_judges

        figures = (run_judges if args.judges else run_cultures)(args.repeats)
        print(
            json.dumps(figures, indent=1)
            if args.json
            else "\n".join(f"{k}: {v}" for k, v in figures.items())
        )
        return 0
    if args.profile:
        from agent.llm import load_backend
        from eval.bench.profile import format_profile, profile_direct_turns

        kwargs = {"threads": args.threads} if args.threads else {}
        backend = load_backend(backend=args.backend, base_url=args.base_url, **kwargs)
        found = profile_direct_turns(
            backend, load_embedder(), args.answer_tokens, args.repeats, args.per_category
        )
        print(json.dumps(found, indent=1) if args.json else "\n".join(format_profile(found)))
        return 0
    if not args.micro:
        from eval.bench.default import run_default

        try:
            return run_default(args, load_embedder())
        except ClarionError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1

    tokens_total = args.samples * args.tokens
    specs = [(None, "none")] + ([(args.model, args.quantize)] if args.model else [])
    from eval.bench.run import measure_model

    try:
        embedder = load_embedder()
        runs = [measure_model(spec, q, args, embedder, show_progress=True) for spec, q in specs]
    except ClarionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    header = {
        "N": args.samples,
        "T": args.tokens,
        "repeats": args.repeats,
        "message": args.message,
        "cpu_count": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "load_average": os.getloadavg()[0],
        "machine": platform.machine(),
        "python": platform.python_version(),
    }
    if args.json:
        first, *others = [r.to_dict(tokens_total) for r in runs]
        summary = {
            "suite": "bench",
            "n": args.repeats,
            "systems": {r.model: r.medians(tokens_total) for r in runs},
            "components": {},  # bench times the whole turn, not single components
        }
        print(json.dumps({**summary, **header, **first, "other_models": others}, indent=2))
        return 0
    print(" ".join(f"{k}={v}" for k, v in header.items() if k != "message"))
    print(f"message: {args.message!r}")
    for run in runs:
        print("\n".join(format_run(run, tokens_total)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

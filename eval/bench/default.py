"""The default `python -m eval bench` run: turns, speed, memory, start-up; one report."""

from __future__ import annotations

import json
import os
import platform


def run_default(args, embedder) -> int:
    from agent.llm import load_backend
    from eval.bench.speed import peak_rss_mb, speed_ratios, start_times, tokens_per_second
    from eval.bench.turns import bench_prompts, run_turns
    from eval.runner import code_revision

    code = code_revision()  # before the run: edits during it don't count
    served = args.backend == "openai" or (args.backend == "auto" and args.base_url)
    start = {} if args.no_start or served else start_times(args.threads)
    kwargs = {"threads": args.threads} if args.threads and not served else {}
    backend = load_backend(backend=args.backend, base_url=args.base_url, **kwargs)
    prompts = bench_prompts(args.per_category)
    turns = run_turns(backend, embedder, prompts, args.answer_tokens, args.turn_repeats)
    turn_figures = turns.to_dict()
    memory = {"peak_rss_mb_default_backend_and_turns": peak_rss_mb()}
    if served:  # an HTTP API cannot force sample lengths (min_new_tokens): no tokens/s race
        why = "the model runs behind a server: its API cannot force sample lengths"
        speed = {"tokens_per_second": {}, "unavailable": {"tokens_per_second": why}}
    else:
        speed = tokens_per_second(backend, args.samples, args.tokens, args.seed, args.threads)
    memory["peak_rss_mb_after_all_engines"] = peak_rss_mb()
    overall = turn_figures["overall"]
    result = {
        **summary(turn_figures),
        "backend": backend.name,
        "N": args.samples,
        "T": args.tokens,
        "answer_tokens": args.answer_tokens,
        "turn_repeats": args.turn_repeats,
        "code": code,
        "threads": args.threads,
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "ratios": {
            "clarion_turn_over_plain_turn": overall["ratio_adaptive"]["median"],
            "clarion_turn_full_over_plain_turn": overall["ratio_full"]["median"],
            "by_category": {
                c: s["ratio_adaptive"]["median"] for c, s in turn_figures["by_category"].items()
            },
            **speed_ratios(speed["tokens_per_second"]),
        },
        "quality": {"same_move_share": overall["same_move_share"]},
        "turns": turn_figures,
        **speed,
        "memory": memory,
        "start": start,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print("\n".join(format_report(result)))
    return 0


def summary(turns: dict) -> dict:
    """The keys every `--json` of the eval package starts with: suite, n, systems, components.
    A system here is a way of answering (plain, Clarion adaptive, Clarion full): its median
    turn seconds and its median per-prompt ratio over the plain turn."""
    overall = turns["overall"]
    systems = {
        "plain": {"turn_s": overall["plain_turn_s"]["median"], "over_plain": 1.0},
        "clarion_adaptive": {
            "turn_s": overall["clarion_turn_adaptive_s"]["median"],
            "over_plain": overall["ratio_adaptive"]["median"],
        },
        "clarion_full": {
            "turn_s": overall["clarion_turn_full_s"]["median"],
            "over_plain": overall["ratio_full"]["median"],
        },
    }
    # the bench times whole turns, not single uncertainty components
    return {"suite": "bench", "n": overall["prompts"], "systems": systems, "components": {}}


def format_report(result: dict) -> list[str]:
    from eval.bench.turns import format_turns

    lines = [
        f"backend: {result['backend']}  threads={result['threads']} cpus={result['cpu_count']} "
        f"turn repeats={result['turn_repeats']} "
        f"load={', '.join(f'{x:.2f}' for x in result['load_average'])}",
        *format_turns(result["turns"]),
        f"tokens/s, N={result['N']} x T={result['T']} (same sampling settings):",
    ]
    for name, value in result["tokens_per_second"].items():
        why = result["unavailable"].get(name, "")
        shown = f"unavailable: {why}" if value is None else f"{value:.1f}"
        lines.append(f"  {name:34} {shown}")
    lines.append("ratios:")
    for name, value in result["ratios"].items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:.2f}" for k, v in value.items())
        elif value is not None:
            value = f"{value:.3f}"
        lines.append(f"  {name:40} {value}")
    lines.append(f"quality: same move adaptive vs full {result['quality']['same_move_share']:.0%}")
    lines.append("memory: " + json.dumps({k: round(v) for k, v in result["memory"].items()}))
    for name, fig in result["start"].items():
        lines.append(f"start {name}: " + json.dumps(fig))
    return lines

"""What a Clarion turn costs next to a plain answer, on prompts people really send.

A fixed mixed set drawn from the dialogue files (the first user message of each
dialogue, in file order): clear facts (facts.yaml), obscure facts (obscure.yaml),
ambiguous requests (clarify.yaml) and value-laden questions (values.yaml). For each
prompt, side by side on the same loaded model: the plain turn (one complete greedy
answer under the same cap, `answer_tokens`, to the same system prompt Clarion answers
with: what a plain chat model set up like Clarion gives), the Clarion
turn in adaptive mode (the default) and in full mode (every turn samples). Ratios are
per prompt (Clarion seconds / plain seconds), summarised by their median, min and max,
per category and overall; quality kept is the share of prompts where adaptive and full
mode make the same move. With `repeats` > 1 each prompt's three turns run that many
times in turn (plain, adaptive, full, plain, ...) and each time is the median of its
repeats: one short turn on a shared machine varies by tens of percent.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

CATEGORIES = {  # category: dialogue file
    "clear": "facts.yaml",
    "obscure": "obscure.yaml",
    "ambiguous": "clarify.yaml",
    "value_laden": "values.yaml",
}
PER_CATEGORY = 8  # 4 x 8 = 32 prompts


@dataclass
class PromptRun:
    category: str
    prompt: str
    plain_s: float
    adaptive_s: float
    full_s: float
    adaptive_move: str
    full_move: str
    plain_tokens: int

    @property
    def ratio_adaptive(self) -> float:
        return self.adaptive_s / self.plain_s

    @property
    def ratio_full(self) -> float:
        return self.full_s / self.plain_s


@dataclass
class TurnBench:
    runs: list[PromptRun] = field(default_factory=list)

    def summary(self, runs: list[PromptRun]) -> dict:
        def spread(values: list[float]) -> dict:
            return {"median": statistics.median(values), "min": min(values), "max": max(values)}

        return {
            "prompts": len(runs),
            "plain_turn_s": spread([r.plain_s for r in runs]),
            "clarion_turn_adaptive_s": spread([r.adaptive_s for r in runs]),
            "clarion_turn_full_s": spread([r.full_s for r in runs]),
            "ratio_adaptive": spread([r.ratio_adaptive for r in runs]),
            "ratio_full": spread([r.ratio_full for r in runs]),
            "same_move_share": sum(r.adaptive_move == r.full_move for r in runs) / len(runs),
        }

    def to_dict(self) -> dict:
        groups = {c: [r for r in self.runs if r.category == c] for c in CATEGORIES}
        by_category = {c: self.summary(rs) for c, rs in groups.items() if rs}
        return {
            "overall": self.summary(self.runs),
            "by_category": by_category,
            "prompts": [
                {**r.__dict__, "ratio_adaptive": r.ratio_adaptive, "ratio_full": r.ratio_full}
                for r in self.runs
            ],
        }


def bench_prompts(per_category: int = PER_CATEGORY) -> list[tuple[str, str]]:
    """(category, first user message) of the first `per_category` dialogues per file."""
    from eval.dialogue_loader import load_file
    from eval.paths import DIALOGUES_DIR

    out = []
    for category, name in CATEGORIES.items():
        dialogues = load_file(DIALOGUES_DIR / name)
        firsts = [d.turns[0].user for d in dialogues if d.turns[0].user]
        out += [(category, text) for text in firsts[:per_category]]
    return out


def run_turns(backend, embedder, prompts, answer_tokens: int, repeats: int = 1):
    """Every prompt: plain, adaptive and full turns (fresh threads), in that order,
    `repeats` times, each from a cold KV cache (none warms the next one's prompt); the
    Agent's default settings otherwise (samples, sampling budget)."""
    from tqdm import tqdm

    from agent import Agent, AgentConfig
    from agent.judges import judge_conversation  # Clarion's system prompt + the request

    folder = Path(tempfile.mkdtemp(prefix="clarion-bench-"))

    def agent(adaptive: bool) -> Agent:
        config = AgentConfig(
            answer_tokens=answer_tokens,
            adaptive=adaptive,
            seed=0,
            timeout_s=900,
            db_path=folder / f"{adaptive}.sqlite",
            data_dir=folder,
        )
        return Agent(config, backend=backend, embedder=embedder)

    adaptive, full = agent(True), agent(False)
    adaptive.chat("Hello!")  # warm-up: lazy loads (embedder, facets, registry)
    full.chat("Hello!")
    bench = TurnBench()
    cold = getattr(backend, "clear_cache", lambda: None)  # a backend that keeps a KV cache
    for category, prompt in tqdm(prompts, desc="turns", unit="prompt", file=sys.stderr):
        seconds: dict[str, list[float]] = {"plain": [], "adaptive": [], "full": []}
        moves: dict[str, list[str]] = {"adaptive": [], "full": []}
        for _ in range(repeats):
            cold()
            started = time.perf_counter()
            plain = backend.greedy(judge_conversation(prompt), answer_tokens)
            seconds["plain"].append(time.perf_counter() - started)
            for name, clarion in (("adaptive", adaptive), ("full", full)):
                cold()
                turn_s, move = _turn(clarion, prompt)
                seconds[name].append(turn_s)
                moves[name].append(move)
        plain_s, a_s, f_s = (statistics.median(seconds[k]) for k in ("plain", "adaptive", "full"))
        a_move, f_move = (Counter(moves[k]).most_common(1)[0][0] for k in ("adaptive", "full"))
        bench.runs.append(
            PromptRun(category, prompt, plain_s, a_s, f_s, a_move, f_move, len(plain.token_ids))
        )
    return bench


def _turn(agent, prompt: str) -> tuple[float, str]:
    started = time.perf_counter()
    reply = agent.chat(prompt)
    return time.perf_counter() - started, reply.kind


def format_turns(result: dict) -> list[str]:
    head = f"{'category':12} {'n':>3} {'plain s':>8} {'adapt s':>8} {'full s':>8}"
    lines = [
        "Clarion turn / plain turn, per prompt (median [min-max]); same move adaptive vs full",
        head + f" {'adaptive ratio':>22} {'full ratio':>22} {'same move':>9}",
    ]
    rows = [*result["by_category"].items(), ("overall", result["overall"])]
    for name, s in rows:
        ra, rf = s["ratio_adaptive"], s["ratio_full"]
        adaptive_s, full_s = s["clarion_turn_adaptive_s"], s["clarion_turn_full_s"]
        lines.append(
            f"{name:12} {s['prompts']:3d} {s['plain_turn_s']['median']:8.2f} "
            f"{adaptive_s['median']:8.2f} {full_s['median']:8.2f}"
            f" {ra['median']:7.2f} [{ra['min']:5.2f}-{ra['max']:6.2f}]"
            f" {rf['median']:7.2f} [{rf['min']:5.2f}-{rf['max']:6.2f}] {s['same_move_share']:9.0%}"
        )
    return lines

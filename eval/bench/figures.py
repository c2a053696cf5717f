"""The figures of one bench run: timings per figure, their ratios, and how they print."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field

RATIOS = {  # name: (numerator figure, denominator figure); medians
    "clarion_turn_over_plain_turn": ("clarion_turn", "plain_turn"),
    "batched_over_sequential": ("sampling_batched", "sampling_sequential"),
    "representative_over_pairwise": ("clustering_representative", "clustering_pairwise"),
    "shared_prefill_over_plain_prefill": ("sampling_batched", "sampling_batched_no_shared_prefill"),
    "early_stop_over_forced_length": ("sampling_batched_natural", "sampling_batched"),
    "cached_over_cold_tokenization": ("encode_prompt_cached", "encode_prompt_cold"),
    "straggler_cut_over_natural": ("sampling_natural_straggler_cut", "sampling_batched_natural"),
    "sentence_stop_over_natural": ("sampling_natural_sentence_stop", "sampling_batched_natural"),
    "pilot_over_natural": ("sampling_natural_pilot", "sampling_batched_natural"),
    "clarion_turn_over_without_speedups": ("clarion_turn", "clarion_turn_without_speedups"),
}


@dataclass
class ModelRun:
    """Everything measured on one model."""

    model: str
    timings: dict[str, list[float]] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.timings.setdefault(name, []).append(seconds)

    def median(self, name: str) -> float | None:
        values = self.timings.get(name)
        return statistics.median(values) if values else None

    def ratios(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for name, (num, den) in RATIOS.items():
            a, b = self.median(num), self.median(den)
            out[name] = a / b if a is not None and b else None
        ours, theirs = self.median("sampling_batched"), self.median("llamacpp_sequential")
        out["ours_over_llamacpp"] = theirs / ours if ours and theirs else None  # tokens/s
        return out

    def to_dict(self, tokens_total: int) -> dict:
        figures = {
            k: {"min": min(v), "median": statistics.median(v), "max": max(v), "runs": v}
            for k, v in self.timings.items()
        }
        return {
            "model": self.model,
            "ratios": self.ratios(),
            "figures": figures,
            "tokens_per_second": self.tokens_per_second(tokens_total),
            "notes": self.notes,
            "unavailable": self.unavailable,
        }

    def medians(self, tokens_total: int) -> dict[str, float | None]:
        """One metric per figure (median seconds), tokens/s and ratio: the --json summary."""
        out: dict[str, float | None] = {f"{k}_s": self.median(k) for k in self.timings}
        out.update(
            {f"{k}_tokens_per_s": v for k, v in self.tokens_per_second(tokens_total).items()}
        )
        out.update(self.ratios())
        return out

    def tokens_per_second(self, tokens_total: int) -> dict[str, float]:
        names = ("sampling_batched", "sampling_sequential", "llamacpp_sequential")
        return {n: tokens_total / m for n in names if (m := self.median(n))}


def format_run(run: ModelRun, tokens_total: int) -> list[str]:
    lines = [f"model: {run.model}", f"{'figure':40} {'min':>9} {'median':>9} {'max':>9}"]
    for name, values in run.timings.items():
        lo, mid, hi = min(values), statistics.median(values), max(values)
        lines.append(f"{name:40} {lo:9.3f} {mid:9.3f} {hi:9.3f}  s")
    for name, why in run.unavailable.items():
        lines.append(f"{name:40} unavailable: {why}")
    for name, speed in run.tokens_per_second(tokens_total).items():
        lines.append(f"tokens/s {name:31} {speed:9.1f}")
    lines.append("ratios (medians):")
    for name, ratio in run.ratios().items():
        lines.append(f"  {name:38} {'n/a' if ratio is None else f'{ratio:.3f}'}")
    lines.append("notes: " + json.dumps(run.notes, default=str))
    return lines

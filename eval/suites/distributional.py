"""distributional: how close each system's option distribution is to each country's own.

The held-out GlobalOpinionQA test questions of the culture adapters' subsample (their
card: agent/adapter_weights/culture/card.md), every listed country of each. The committed
adapters are scored through the same lower-layer states as in training (eval/adapters/
states.py: the same function as a plain peft forward pass, tested), with no agent.
Systems and figures: eval/adapters/scoring.py.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from pathlib import Path

from eval.suites.base import Suite


class DistributionalSuite(Suite):
    name = "distributional"
    description = (
        "GlobalOpinionQA test questions: JS distance of the culture mixture, the dense "
        "adapter, the prompted base model, uniform and majority to each country's answers"
    )
    datasets = ("globalopinionqa",)
    needs_agent = False

    def select(self, data_dir: Path, limit: int | None, seed: int, split="test") -> list[dict]:
        from eval.adapters.data import all_rows, subsample

        rows = [r for r in subsample(all_rows(data_dir)) if r.split == split]
        questions = sorted({r.question for r in rows})
        if limit is not None and limit < len(questions):
            keep = set(random.Random(seed).sample(questions, limit))
            rows = [r for r in rows if r.question in keep]
        return [asdict(r) for r in rows]

    def run(self, harness, selected: list[dict]) -> list[dict]:
        from agent.adapters import DENSE, WEIGHTS_DIR, load_gate, load_peft
        from agent.cultures import MAX_OPTIONS, letter_ids
        from eval.adapters.data import Row
        from eval.adapters.run import predictions
        from eval.adapters.scoring import make_records, system_predictions
        from eval.adapters.states import default_cache_dir, lower_states

        rows = [
            Row(**{**r, "options": tuple(r["options"]), "distribution": tuple(r["distribution"])})
            for r in selected
        ]
        gate = load_gate(WEIGHTS_DIR)
        model, tokenizer = load_peft(WEIGHTS_DIR, [*gate.experts, DENSE])
        letters = letter_ids(tokenizer, MAX_OPTIONS)
        progress = getattr(harness, "show_progress", True)
        states = lower_states(
            model.base_model.model,
            tokenizer,
            rows,
            progress=progress,
            cache_dir=default_cache_dir(),
        )
        preds = predictions(model, [*gate.experts, DENSE, None], states, rows, letters)
        systems = system_predictions(rows, preds, gate, harness.data_dir)
        return make_records(rows, systems)

    def score(self, records: list[dict], seed: int, extra: dict | None = None) -> dict:
        from eval.adapters.scoring import score_records

        return score_records(records, seed)

"""`python -m eval train-adapters --family culture`: states, experts, dense, gate, test, card."""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from agent.adapters import (
    DENSE,
    GATE_FILE,
    TOP_EXPERTS,
    WEIGHTS_DIR,
    lora_config,
)
from agent.cultures import MAX_OPTIONS, letter_ids, load_regions
from eval.adapters import data as D
from eval.adapters.scoring import score_rows
from eval.adapters.states import default_cache_dir, lower_states
from eval.adapters.train import SEED, fit_adapter, fit_gate, predict, save_adapters

log = logging.getLogger(__name__)
EPOCHS, LR, BATCH, GATE_PRIOR, GATE_L2 = 3, 5e-3, 8, 2.0, 0.1
HYPER = {"lr": LR, "batch": BATCH, "gate_prior": GATE_PRIOR, "gate_l2": GATE_L2}


@dataclass
class Options:
    data_dir: Path
    out_dir: Path = WEIGHTS_DIR
    questions: dict[str, int] = field(default_factory=lambda: dict(D.QUESTIONS))
    epochs: int = EPOCHS
    cache_dir: Path | None = field(default_factory=default_cache_dir)
    progress: bool = True


def predictions(model, names, states, rows, letters) -> dict[str, list[np.ndarray]]:
    """name -> per-row option distribution, for each adapter name (None: the base)."""
    return {str(n): predict(model, n, states, rows, letters) for n in names}


def train_culture(opts: Options) -> dict:
    import json

    from peft import get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict

    from agent.llm.loading import load_model
    from eval.adapters.card import lora_record, write_card

    torch.manual_seed(SEED)
    started = time.time()
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        phases[name] = round(time.time() - started - sum(phases.values()), 1)
        log.info("%s: %.1f s", name, phases[name])

    base, tokenizer, source, _ = load_model(None, device="cpu")
    regions = load_regions()
    experts = [r.id for r in regions]
    rows = D.subsample(D.all_rows(opts.data_dir, regions), opts.questions)
    split = D.by_split(rows)
    letters = letter_ids(tokenizer, MAX_OPTIONS)
    phase("load model and rows")
    states_all = lower_states(
        base, tokenizer, rows, progress=opts.progress, cache_dir=opts.cache_dir
    )
    st = {s: [x for x, r in zip(states_all, rows, strict=True) if r.split == s] for s in split}
    phase("lower-layer states")
    model = get_peft_model(base, lora_config(), adapter_name=experts[0])
    for name in [*experts[1:], DENSE]:
        model.add_adapter(name, lora_config())

    def fit(name: str) -> dict:
        def pick(s: str) -> tuple[list, list]:
            keep = [i for i, r in enumerate(split[s]) if name == DENSE or r.region == name]
            return [st[s][i] for i in keep], [split[s][i] for i in keep]

        return fit_adapter(
            model,
            name,
            pick("train"),
            pick("dev"),
            letters,
            epochs=opts.epochs,
            lr=LR,
            batch=BATCH,
            progress=opts.progress,
        )

    # the dense adapter first; each region expert starts from it (epoch 0 of its early
    # stopping is the dense adapter itself) and specialises on its region's rows
    fits = {DENSE: fit(DENSE)}
    dense_weights = get_peft_model_state_dict(model, adapter_name=DENSE)
    for name in experts:
        set_peft_model_state_dict(model, dense_weights, adapter_name=name)
        fits[name] = fit(name)
    phase("fit adapters")
    train_preds = predictions(model, experts, st["train"], split["train"], letters)
    gate = fit_gate(
        experts,
        split["train"],
        [[train_preds[e][i] for e in experts] for i in range(len(split["train"]))],
        prior=GATE_PRIOR,
        l2=GATE_L2,
    )
    phase("fit gate")
    out = Path(opts.out_dir)
    save_adapters(model, out, [*experts, DENSE])
    (out / GATE_FILE).write_text(json.dumps(gate.to_json(), indent=1) + "\n")
    test = predictions(model, [*experts, DENSE, None], st["test"], split["test"], letters)
    scores = score_rows(split["test"], test, gate, opts.data_dir)
    phase("score test")
    card = {
        "family": "culture",
        "command": "python -m eval " + " ".join(sys.argv[1:]),
        "seconds": round(time.time() - started, 1),
        "seed": SEED,
        "model": source.display_name,
        "experts": {r.id: {"name": r.name, "groups": list(r.groups)} for r in regions},
        "top_experts": TOP_EXPERTS,
        "lora": lora_record(lora_config()),
        "phases_s": phases,
        "hyper": HYPER | {"epochs": opts.epochs},
        "subsample": {
            "questions": opts.questions,
            "max_prefix_chars": D.MAX_PREFIX_CHARS,
            "countries": sum(len(r.groups) for r in regions),
        },
        "rows": {s: len(v) for s, v in split.items()},
        "questions": {s: len({r.question for r in v}) for s, v in split.items()},
        "fits": fits,
        "test": scores,
    }
    write_card(card, opts.data_dir, out)
    return card

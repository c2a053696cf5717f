"""`python -m eval train-adapters --family interpreter`: a LoRA that writes readings.

Each example is the interpret step's own prompt (prompts/interpret.txt in the chat
template, as agent/nodes/interpret.py sends it) followed by ONE specific reading of the
request and the end-of-turn token; the loss is the reading's tokens' cross-entropy
(prompt tokens masked). Sampled K times, the adapter writes K readings, one per sample:
the format the interpret step parses. Train requests only; the dev loss picks the epoch
(early stopping); the card's figures are on test requests.
"""

from __future__ import annotations

import logging
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from agent.interpreter import WEIGHTS_DIR
from agent.interpreter import lora_config as interpreter_lora
from agent.templates import render
from eval.adapters import readings as R
from eval.adapters.train import SEED, cluster_bootstrap, save_adapters

log = logging.getLogger(__name__)
EPOCHS, LR, BATCH = 1, 1e-3, 8
IGNORE = -100


@dataclass
class Options:
    data_dir: Path
    out_dir: Path = WEIGHTS_DIR
    sizes: dict[str, dict[str, int]] = field(default_factory=lambda: dict(R.REQUESTS))
    epochs: int = EPOCHS
    progress: bool = True


def prompt_ids(tokenizer, request: str) -> list[int]:
    """The interpret step's prompt for `request`, as the backend renders it."""
    messages = [{"role": "user", "content": render("interpret", question=request)}]
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def encode_pair(tokenizer, request: str, reading: str) -> tuple[list[int], list[int]]:
    """(input ids, labels): the prompt masked, the reading and end-of-turn learned."""
    head = prompt_ids(tokenizer, request)
    tail = list(tokenizer(reading, add_special_tokens=False)["input_ids"])
    tail.append(tokenizer.convert_tokens_to_ids("<|im_end|>"))
    return head + tail, [IGNORE] * len(head) + tail


def collate(examples, pad: int):
    width = max(len(x) for x, _ in examples)
    ids = torch.full((len(examples), width), pad)
    labels = torch.full((len(examples), width), IGNORE)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for i, (x, y) in enumerate(examples):
        ids[i, : len(x)], labels[i, : len(y)], mask[i, : len(x)] = (
            torch.tensor(x),
            torch.tensor(y),
            1,
        )
    return ids, mask, labels


def token_nll(model, examples, pad: int, batch: int = 16) -> np.ndarray:
    """Per example, the mean negative log-likelihood of its reading's tokens (nats)."""
    out = []
    with torch.no_grad():
        for i in range(0, len(examples), batch):
            ids, mask, labels = collate(examples[i : i + batch], pad)
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
            gold = labels[:, 1:]
            nll = torch.nn.functional.cross_entropy(
                logits.transpose(1, 2), gold.clamp(min=0), reduction="none"
            )
            keep = (gold != IGNORE).float()
            out += ((nll * keep).sum(1) / keep.sum(1)).tolist()
    return np.asarray(out)


def fit(model, train, dev, pad: int, *, epochs: int, lr: float, batch: int, progress: bool):
    """Adam on the LoRA weights, seeded order; the epoch with the lowest dev NLL is kept."""
    from peft import get_peft_model_state_dict, set_peft_model_state_dict

    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.Adam(params, lr=lr)
    rng = random.Random(SEED)

    def snapshot():
        return {k: v.clone() for k, v in get_peft_model_state_dict(model).items()}

    dev_nll = float(token_nll(model, dev, pad).mean())
    history = [{"epoch": 0, "dev_nll": dev_nll}]
    best = (dev_nll, 0, snapshot())
    for epoch in range(1, epochs + 1):
        model.train()
        order = list(range(len(train)))
        rng.shuffle(order)
        losses = []
        steps = range(0, len(order), batch)
        for i in tqdm(steps, desc=f"interpreter epoch {epoch}", disable=not progress):
            ids, mask, labels = collate([train[j] for j in order[i : i + batch]], pad)
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            optim.zero_grad()
            loss.backward()
            optim.step()
            losses.append(loss.item())
        model.eval()
        dev_nll = float(token_nll(model, dev, pad).mean())
        history.append({"epoch": epoch, "train_loss": float(np.mean(losses)), "dev_nll": dev_nll})
        log.info("epoch %d: train loss %.4f, dev NLL %.4f", epoch, np.mean(losses), dev_nll)
        if dev_nll < best[0]:
            best = (dev_nll, epoch, snapshot())
    set_peft_model_state_dict(model, best[2])
    return {"history": history, "best_epoch": best[1], "best_dev_nll": best[0]}


def train_interpreter(opts: Options) -> dict:
    from peft import get_peft_model

    from agent.llm.loading import load_model
    from eval.adapters.card import interpreter_card, lora_record

    torch.manual_seed(SEED)
    started = time.time()
    base, tokenizer, source, _ = load_model(None, device="cpu")
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    requests = R.subsample(R.all_requests(opts.data_dir), opts.sizes)
    split = {s: [r for r in requests if r.split == s] for s in ("train", "dev", "test")}
    enc = {s: [encode_pair(tokenizer, q, a) for q, a in R.pairs(rs)] for s, rs in split.items()}
    test_sources = [r.source for r in split["test"] for _ in r.readings]
    test_requests = [r.text for r in split["test"] for _ in r.readings]
    base.eval()
    base_test = token_nll(base, enc["test"], pad)
    model = get_peft_model(base, interpreter_lora())
    fitted = fit(
        model,
        enc["train"],
        enc["dev"],
        pad,
        epochs=opts.epochs,
        lr=LR,
        batch=BATCH,
        progress=opts.progress,
    )
    model.eval()
    adapter_test = token_nll(model, enc["test"], pad)
    out = Path(opts.out_dir)
    save_adapters(model, out, ["default"])

    def nll_rows(values: np.ndarray) -> dict:
        rows = {"all": cluster_bootstrap(values, test_requests)}
        for s in R.SOURCES:
            keep = [i for i, src in enumerate(test_sources) if src == s]
            if keep:
                rows[s] = cluster_bootstrap(values[keep], [test_requests[i] for i in keep])
        return rows

    card = {
        "family": "interpreter",
        "command": "python -m eval " + " ".join(sys.argv[1:]),
        "seconds": round(time.time() - started, 1),
        "seed": SEED,
        "model": source.display_name,
        "lora": lora_record(interpreter_lora()),
        "hyper": {"lr": LR, "batch": BATCH, "epochs": opts.epochs, "optimizer": "Adam"},
        "subsample": {"requests": opts.sizes, "max_readings": R.MAX_READINGS},
        "requests": {
            s: {src: sum(r.source == src for r in rs) for src in R.SOURCES}
            for s, rs in split.items()
        },
        "pairs": {s: len(v) for s, v in enc.items()},
        "fit": fitted,
        "test_nll": {"base": nll_rows(base_test), "adapter": nll_rows(adapter_test)},
    }
    interpreter_card(card, opts.data_dir, out)
    return card

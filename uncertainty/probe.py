"""A learned judge's arithmetic: a standardised probe, logistic regression or a small MLP.

Features in, one probability out. The weights are fitted elsewhere (`python -m eval
train-judges`, scikit-learn) and stored as a small .npz (no pickle: arrays and one JSON
string), so loading runs no code and needs no scikit-learn. A probe is deterministic and
takes microseconds; it knows nothing about where its features come from beyond their
names, which the caller must supply in the stored order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Probe:
    """p = sigmoid(coef . h + intercept), h = relu(... relu(z W1 + b1) ...), z = (x - mean) / scale.

    With no hidden layers it is logistic regression on the standardised features; with
    one it is a one-hidden-layer MLP (scikit-learn's MLPClassifier, relu). `blocks` names
    the feature blocks in order with their widths (e.g. embedding 384, answer_stats 4), so
    a caller builds x block by block and a wrong width is caught.
    """

    name: str
    blocks: tuple[tuple[str, int], ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    hidden: tuple[tuple[np.ndarray, np.ndarray], ...] = ()
    """(W, b) per hidden relu layer, W of shape (inputs, units)."""

    def __post_init__(self) -> None:
        width = sum(w for _, w in self.blocks)
        for label, arr in (("mean", self.mean), ("scale", self.scale)):
            if arr.shape != (width,):
                raise ValueError(
                    f"probe {self.name}: {label} has shape {arr.shape}, not ({width},)"
                )
        inputs = width
        for w, b in self.hidden:
            if w.shape[0] != inputs or b.shape != (w.shape[1],):
                raise ValueError(f"probe {self.name}: hidden layer shape {w.shape} mismatch")
            inputs = w.shape[1]
        if self.coef.shape != (inputs,):
            raise ValueError(
                f"probe {self.name}: coef has shape {self.coef.shape}, not ({inputs},)"
            )
        if not np.all(self.scale > 0):
            raise ValueError(f"probe {self.name}: scale must be positive")

    @property
    def block_names(self) -> tuple[str, ...]:
        return tuple(b for b, _ in self.blocks)

    def features(self, blocks: Mapping[str, Sequence[float] | np.ndarray]) -> np.ndarray:
        """Concatenate the named blocks in the probe's order, checking each width."""
        parts = []
        for name, width in self.blocks:
            if name not in blocks or blocks[name] is None:
                raise KeyError(f"probe {self.name} needs feature block '{name}'")
            arr = np.asarray(blocks[name], dtype=np.float64).ravel()
            if arr.shape != (width,):
                raise ValueError(f"probe {self.name}: block '{name}' has {arr.size}, not {width}")
            parts.append(arr)
        return np.concatenate(parts) if parts else np.zeros(0)

    def logit(self, x: np.ndarray) -> np.ndarray:
        h = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        for w, b in self.hidden:
            h = np.maximum(h @ w + b, 0.0)
        out: np.ndarray = h @ self.coef + self.intercept
        return out

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(positive) for one feature vector (a 0-d array) or a matrix of rows."""
        z = np.clip(self.logit(x), -500.0, 500.0)
        p: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return p

    def score(self, blocks: Mapping[str, Sequence[float] | np.ndarray]) -> float:
        return float(self.probability(self.features(blocks)))


def save_probe(probe: Probe, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {
        "name": probe.name,
        "blocks": [list(b) for b in probe.blocks],
        "meta": probe.meta,
        "hidden_layers": len(probe.hidden),
    }
    layers = {}
    for i, (w, b) in enumerate(probe.hidden):
        layers[f"hidden{i}_w"] = w.astype(np.float32)
        layers[f"hidden{i}_b"] = b.astype(np.float32)
    with open(path, "wb") as handle:  # np.savez adds '.npz' to a str path, not to a handle
        np.savez(
            handle,
            mean=probe.mean.astype(np.float32),
            scale=probe.scale.astype(np.float32),
            coef=probe.coef.astype(np.float32),
            intercept=np.array([probe.intercept], dtype=np.float64),
            header=np.array(json.dumps(header, sort_keys=True)),
            **layers,  # type: ignore[arg-type]
        )
    return path


def load_probe(path: Path) -> Probe:
    with np.load(Path(path), allow_pickle=False) as data:
        header = json.loads(str(data["header"]))
        hidden = tuple(
            (data[f"hidden{i}_w"].astype(np.float64), data[f"hidden{i}_b"].astype(np.float64))
            for i in range(int(header.get("hidden_layers", 0)))
        )
        return Probe(
            name=header["name"],
            blocks=tuple((str(n), int(w)) for n, w in header["blocks"]),
            mean=data["mean"].astype(np.float64),
            scale=data["scale"].astype(np.float64),
            coef=data["coef"].astype(np.float64),
            intercept=float(data["intercept"][0]),
            meta=header.get("meta", {}),
            hidden=hidden,
        )


ANSWER_STATS = ("mean_nll", "max_nll", "std_nll", "token_share")
NLL_CAP = 20.0  # nats: e^-20 is "never"; keeps one -inf from dominating a standardised probe


def answer_stats(token_logprobs: Sequence[float], max_tokens: int) -> np.ndarray:
    """Token statistics of a greedy answer (every backend with log-probs gives them).

    mean_nll is the token entropy baseline (mean negative log-prob of the chosen tokens);
    max_nll its worst token; std_nll its spread; token_share = tokens / max_tokens (an
    answer cut at the budget vs. a short one). A non-finite log-prob counts as a very
    unlikely token (NLL_CAP); an empty answer (nothing to judge it by) as NLL_CAP too.
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    nll = -np.asarray(list(token_logprobs), dtype=np.float64)
    nll = np.minimum(np.where(np.isfinite(nll), nll, NLL_CAP), NLL_CAP)
    if nll.size == 0:
        return np.array([NLL_CAP, NLL_CAP, 0.0, 0.0])
    return np.array(
        [nll.mean(), nll.max(), nll.std(), min(1.0, nll.size / max_tokens)], dtype=np.float64
    )

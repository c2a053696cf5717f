"""The culture adapters at run time: LoRA experts per region, a gate per group, one batch.

`CultureAdapters.distributions(question, options, groups)` gives each group's answer
distribution over the options: the gate (trained on train questions, gate.json) mixes the
region experts' option distributions, sum_e w[group, e] * p_e; the top TOP_EXPERTS
experts of each group are scored, all groups in ONE forward pass of a peft model holding
every adapter (a mixed-adapter batch, `adapter_names=`). The model (transformers + peft,
beside the llama.cpp generation backend: this needs one forward pass, no generation) is
loaded on first use. Weights and card: agent/adapter_weights/culture/ (trained by
`python -m eval train-adapters --family culture`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agent.cultures import encode, group_suffix, letter_ids, question_prefix, region_of

WEIGHTS_DIR = Path(__file__).resolve().parent / "adapter_weights" / "culture"
GATE_FILE = "gate.json"
DENSE = "dense"
TOP_EXPERTS = 2
LORA_RANK = 4
LORA_ALPHA = 8
LORA_LAYERS = tuple(range(24, 30))  # the top 6 of SmolLM2-135M's 30 layers
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")


def lora_config(
    rank: int = LORA_RANK,
    alpha: int = LORA_ALPHA,
    layers: Sequence[int] = LORA_LAYERS,
    targets: Sequence[str] = LORA_TARGETS,
    task_type: str | None = None,
):
    """A peft LoraConfig (no dropout, no bias): the culture family's by default."""
    from peft import LoraConfig

    return LoraConfig(
        r=rank,
        lora_alpha=alpha,
        lora_dropout=0.0,
        target_modules=list(targets),
        layers_to_transform=list(layers),
        bias="none",
        task_type=task_type,
    )


def option_log_probs(logits, letters: Sequence[int], counts: Sequence[int]) -> list:
    """Per row, log-probabilities over its first counts[i] option letters (renormalised)."""
    import torch

    picked = logits[:, list(letters)]
    return [torch.log_softmax(picked[i, :n], dim=-1) for i, n in enumerate(counts)]


@dataclass(frozen=True)
class Gate:
    """Mixture weights over the experts per group; a group without learned weights gets
    its region's expert (one-hot)."""

    experts: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]

    def of(self, group: str) -> dict[str, float]:
        w = self.weights.get(group.strip())
        if w is None:
            region = region_of(group)
            if region is None or region not in self.experts:
                raise KeyError(f"no culture adapter covers {group!r} (prompts/cultures.yaml)")
            return {region: 1.0}
        return dict(zip(self.experts, w, strict=True))

    def top(self, group: str, k: int = TOP_EXPERTS) -> dict[str, float]:
        """The k heaviest experts of a group, weights renormalised to 1."""
        w = sorted(self.of(group).items(), key=lambda kv: -kv[1])[:k]
        total = sum(v for _, v in w)
        return {e: v / total for e, v in w}

    def to_json(self) -> dict:
        return {
            "experts": list(self.experts),
            "weights": {g: list(w) for g, w in self.weights.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> Gate:
        return cls(tuple(data["experts"]), {g: tuple(w) for g, w in data["weights"].items()})


def load_gate(weights_dir: Path = WEIGHTS_DIR) -> Gate:
    return Gate.from_json(json.loads((Path(weights_dir) / GATE_FILE).read_text(encoding="utf-8")))


def available(weights_dir: Path = WEIGHTS_DIR) -> bool:
    return (Path(weights_dir) / GATE_FILE).is_file()


def load_peft(weights_dir: Path, names: Sequence[str], model: str | None = None):
    """(peft model holding every named adapter of weights_dir, tokenizer), in eval mode."""
    from peft import PeftModel

    from agent.llm.loading import load_model

    base, tokenizer, _, _ = load_model(model)
    peft_model = PeftModel.from_pretrained(
        base, str(Path(weights_dir) / names[0]), adapter_name=names[0]
    )
    for name in names[1:]:
        peft_model.load_adapter(str(Path(weights_dir) / name), adapter_name=name)
    peft_model.eval()
    return peft_model, tokenizer


class CultureAdapters:
    """Lazy transformers + peft scorer of groups' option distributions."""

    def __init__(self, weights_dir: Path = WEIGHTS_DIR, model: str | None = None):
        self.weights_dir = Path(weights_dir)
        self.model_spec = model
        self.gate = load_gate(self.weights_dir)
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def covers(self, group: str) -> bool:
        return group.strip() in self.gate.weights or region_of(group) in self.gate.experts

    def _load(self):
        with self._lock:
            if self._model is None:
                self._model, self._tokenizer = load_peft(
                    self.weights_dir, [*self.gate.experts, DENSE], self.model_spec
                )
        return self._model, self._tokenizer

    def score(self, question: str, options: Sequence[str], rows: Sequence[tuple[str, str]]):
        """Option distributions for (group, adapter) rows in ONE forward pass; adapter
        "__base__" is the base model without an adapter (peft's name for it)."""
        import torch

        model, tokenizer = self._load()
        prefix = question_prefix(question, options)
        ids = [encode(tokenizer, prefix, group_suffix(g))[0] for g, _ in rows]
        width = max(map(len, ids))
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        input_ids = torch.tensor([[pad] * (width - len(i)) + i for i in ids])  # left pad
        mask = torch.tensor([[0] * (width - len(i)) + [1] * len(i) for i in ids])
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        with torch.no_grad():
            logits = model(
                input_ids=input_ids,
                attention_mask=mask,
                position_ids=positions,
                adapter_names=[a for _, a in rows],
            ).logits[:, -1]
        logp = option_log_probs(
            logits, letter_ids(tokenizer, len(options)), [len(options)] * len(rows)
        )
        return [np.exp(lp.double().numpy()) for lp in logp]

    def distributions(
        self, question: str, options: Sequence[str], groups: Sequence[str]
    ) -> dict[str, np.ndarray]:
        """Each group's mixture distribution over the options (groups it covers only)."""
        groups = [g for g in groups if self.covers(g)]
        if not groups:
            return {}
        routes = {g: self.gate.top(g) for g in groups}
        rows = [(g, e) for g in groups for e in routes[g]]
        probs = self.score(question, options, rows)
        out: dict[str, np.ndarray] = {g: np.zeros(len(options)) for g in groups}
        for (g, e), p in zip(rows, probs, strict=True):
            out[g] += routes[g][e] * p
        return {g: p / p.sum() for g, p in out.items()}

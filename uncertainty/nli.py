"""A Hugging Face NLI cross-encoder as a plain `pairs -> labels` function (lazy torch)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

NLI_LABELS = ("entailment", "neutral", "contradiction")


def normalise_id2label(id2label: Mapping[Any, str]) -> dict[int, str]:
    """Map a model config's id2label onto entailment/neutral/contradiction.

    Checkpoints disagree on order and spelling ("ENTAILMENT", "entail", "LABEL_0" ...),
    so the mapping is read from the config, never assumed. Unknown labels stay as-is.
    """
    out: dict[int, str] = {}
    for key, name in id2label.items():
        low = str(name).strip().lower()
        label = next((n for n in NLI_LABELS if low.startswith(n[:6])), low)
        out[int(key)] = label
    if "entailment" not in out.values():
        raise ValueError(f"model config has no entailment label: {dict(id2label)}")
    return out


class HFNLIClassifier:
    """Runs an NLI cross-encoder; call with (premise, hypothesis) pairs, get label names."""

    def __init__(self, model: Any, tokenizer: Any, device: str = "cpu", batch_size: int = 16):
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        self.batch_size = batch_size
        self.labels = normalise_id2label(model.config.id2label)

    @classmethod
    def load(cls, path_or_id: str, device: str = "cpu") -> HFNLIClassifier:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path_or_id)
        model = AutoModelForSequenceClassification.from_pretrained(path_or_id).to(device).eval()
        return cls(model, tokenizer, device)

    def __call__(self, pairs: Sequence[tuple[str, str]]) -> list[str]:
        import torch

        out: list[str] = []
        for start in range(0, len(pairs), self.batch_size):
            chunk = pairs[start : start + self.batch_size]
            enc = self.tokenizer(
                [p for p, _ in chunk],
                [h for _, h in chunk],
                padding=True,
                truncation=True,
                return_tensors="pt",
            )
            enc = {k: v.to(self.device) for k, v in enc.items()}
            with torch.no_grad():
                logits = self.model(**enc).logits
            out.extend(self.labels[int(i)] for i in logits.argmax(dim=-1).tolist())
        return out

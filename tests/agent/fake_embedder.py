"""A tiny deterministic embedder for fast tests: bag of words hashed into 64 dims."""

from __future__ import annotations

import hashlib
import re

import numpy as np


class FakeEmbedder:
    """Texts sharing words get similar vectors; rows are L2-normalised like Embedder's."""

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.calls = 0

    def embed(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), self.dim))
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                if len(word) > 3:
                    h = int(hashlib.md5(word.encode()).hexdigest(), 16)
                    out[row, h % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out

"""The interpreter adapter at run time: a LoRA that writes specific readings of a request.

The interpret step (agent/nodes/interpret.py) asks for K rewrites of a vague request with
prompts/interpret.txt. SmolLM2-135M prompted alone mostly answers, copies or swaps the
topic; the interpreter adapter (trained by `python -m eval train-adapters --family
interpreter` on AmbigNQ / AmbiEnt / CLAMBER train requests, card in
agent/adapter_weights/interpreter/) writes one specific reading per sample, in the same
format, so the step's filters and clustering are unchanged. It runs on the transformers
copy of the embedded model with the LoRA merged into its weights (a plain model: no
adapter cost per token), beside the default llama.cpp backend, loaded on first use.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.llm.transformers_backend import TransformersBackend

WEIGHTS_DIR = Path(__file__).resolve().parent / "adapter_weights" / "interpreter"
LORA_RANK = 8
LORA_ALPHA = 16
LORA_LAYERS = tuple(range(18, 30))  # the top 12 of SmolLM2-135M's 30 layers
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")


def lora_config():
    from agent.adapters import lora_config as make

    return make(LORA_RANK, LORA_ALPHA, LORA_LAYERS, LORA_TARGETS, task_type="CAUSAL_LM")


def available(weights_dir: Path = WEIGHTS_DIR) -> bool:
    return (Path(weights_dir) / "adapter_model.safetensors").is_file()


def same_model(spec: str | None, backend_name: str) -> bool:
    """Whether a backend runs the embedded model the adapter was trained on (the default
    model spec, and a backend named after it: llama.cpp or transformers, not a server)."""
    from agent.errors import ModelLoadError
    from agent.llm.loading import DEFAULT_MODEL, resolve

    if spec not in (None, "", DEFAULT_MODEL):
        return False
    try:
        return backend_name.startswith(resolve(None).display_name)
    except ModelLoadError:
        return False


def load_merged(weights_dir: Path = WEIGHTS_DIR, model: str | None = None):
    """(base model with the adapter merged into its weights, tokenizer), in eval mode."""
    from peft import PeftModel

    from agent.llm.loading import load_model

    base, tokenizer, _, _ = load_model(model, device="cpu")
    merged = PeftModel.from_pretrained(base, str(weights_dir)).merge_and_unload()
    merged.eval()
    return merged, tokenizer


class InterpreterAdapter:
    """Lazy: `backend` loads the merged model on first use (a TransformersBackend, so it
    samples exactly like any other backend: sample_batch, deadlines, stop strings)."""

    def __init__(self, weights_dir: Path = WEIGHTS_DIR, model: str | None = None):
        self.weights_dir = Path(weights_dir)
        self.model_spec = model
        self._backend: TransformersBackend | None = None
        self._lock = threading.Lock()

    @property
    def backend(self) -> TransformersBackend:
        from agent.llm.transformers_backend import TransformersBackend

        with self._lock:
            if self._backend is None:
                model, tokenizer = load_merged(self.weights_dir, self.model_spec)
                self._backend = TransformersBackend(
                    model, tokenizer, "SmolLM2-135M-Instruct + interpreter LoRA", "cpu"
                )
            return self._backend

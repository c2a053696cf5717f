"""LLM backends: one small interface, several implementations."""

from typing import Any

from agent.llm.base import LLMBackend, Messages, Sample, SamplingParams, validate_messages
from agent.llm.loading import Quantize

__all__ = [
    "LLMBackend",
    "Messages",
    "Quantize",
    "Sample",
    "SamplingParams",
    "load_backend",
    "validate_messages",
]


def load_backend(
    model: str | None = None, quantize: Quantize = "none", **kwargs: Any
) -> LLMBackend:
    """Build the backend for a model spec (None = the embedded default)."""
    from agent.llm.transformers_backend import TransformersBackend

    return TransformersBackend.load(model, quantize=quantize, **kwargs)

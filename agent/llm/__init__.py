"""LLM backends: one small interface, several implementations."""

from agent.llm.base import LLMBackend, Messages, Sample, SamplingParams

__all__ = ["LLMBackend", "Messages", "Sample", "SamplingParams", "load_backend"]


def load_backend(model: str | None = None, quantize: str = "none", **kwargs) -> LLMBackend:
    """Build the backend for a model spec (None = the embedded default)."""
    from agent.llm.transformers_backend import TransformersBackend

    return TransformersBackend.load(model, quantize=quantize, **kwargs)

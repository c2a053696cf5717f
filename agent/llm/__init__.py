"""LLM backends: one small interface, several implementations.

`load_backend` picks one by name: "transformers" (any Hugging Face model, in-process) or
"openai" (a model behind an OpenAI-compatible server: vLLM, llama.cpp, Ollama); "auto"
is openai when a server URL is given, else transformers.
"""

from typing import Literal

from agent.llm.base import LLMBackend, Messages, Sample, SamplingParams

__all__ = [
    "BackendName",
    "LLMBackend",
    "Messages",
    "Sample",
    "SamplingParams",
    "load_backend",
]

BackendName = Literal["auto", "transformers", "openai"]


def load_backend(
    model: str | None = None,
    quantize: str = "none",
    backend: BackendName = "auto",
    base_url: str | None = None,
    **kwargs,
) -> LLMBackend:
    """Build the backend for a model spec (None = the embedded default, or the one model
    the server at `base_url` serves)."""
    if backend == "openai" or (backend == "auto" and base_url):
        from agent.llm.openai_backend import OpenAIBackend

        return OpenAIBackend.load(base_url, model, **kwargs)
    from agent.llm.transformers_backend import TransformersBackend

    return TransformersBackend.load(model, quantize=quantize, **kwargs)

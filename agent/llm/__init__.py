"""LLM backends: one small interface, several implementations.

`load_backend` picks one by name: "transformers" (any Hugging Face model, GGUF files
dequantized to torch, bitsandbytes 4-/8-bit on CUDA), "llamacpp" (GGUF files in-process,
llama-cpp-python), "openai" (a model behind an OpenAI-compatible server: vLLM,
llama.cpp's server, Ollama; `base_url`) or "auto": openai when a server URL is given;
else llama.cpp for a GGUF file on a CPU-only machine when llama-cpp-python is installed
and no bitsandbytes quantization is asked for (it is the faster of the two there,
`python -m eval bench`), transformers otherwise.
"""

from typing import Any, Literal, get_args

from agent.llm.base import LLMBackend, Messages, Sample, SamplingParams, validate_messages
from agent.llm.loading import Quantize

__all__ = [
    "BACKEND_CHOICES",
    "BackendName",
    "LLMBackend",
    "Messages",
    "Quantize",
    "Sample",
    "SamplingParams",
    "choose_backend",
    "load_backend",
    "validate_messages",
]

BackendName = Literal["auto", "transformers", "llamacpp", "openai"]
"""Which implementation runs the model (AgentConfig.backend): the one definition."""
BACKEND_CHOICES: tuple[BackendName, ...] = get_args(BackendName)


def choose_backend(
    model: str | None,
    quantize: Quantize = "none",
    backend: BackendName = "auto",
    base_url: str | None = None,
) -> BackendName:
    """The concrete backend "auto" stands for, for this model spec (or server URL)."""
    if backend != "auto":
        return backend
    if base_url:
        return "openai"
    import importlib.util

    from agent.llm.loading import pick_device, resolve

    if quantize != "none" or resolve(model).kind != "gguf":
        return "transformers"
    if importlib.util.find_spec("llama_cpp") is None or pick_device() != "cpu":
        return "transformers"
    return "llamacpp"


def load_backend(
    model: str | None = None,
    quantize: Quantize = "none",
    backend: BackendName = "auto",
    base_url: str | None = None,
    **kwargs: Any,
) -> LLMBackend:
    """Build the backend for a model spec (None = the embedded default, or the one model
    the server at `base_url` serves)."""
    from agent.errors import ModelLoadError

    name = choose_backend(model, quantize, backend, base_url)
    if name == "openai":
        from agent.llm.openai_backend import OpenAIBackend

        return OpenAIBackend.load(base_url, model)
    if name == "llamacpp":
        if quantize != "none":
            raise ModelLoadError("llama.cpp runs the GGUF file as it is: use quantize 'none'.")
        from agent.llm.llamacpp_backend import LlamaCppBackend

        return LlamaCppBackend.load(model, **kwargs)
    if name == "transformers":
        from agent.llm.transformers_backend import TransformersBackend

        return TransformersBackend.load(model, quantize=quantize, **kwargs)
    raise ModelLoadError(f"Unknown backend {name!r}: use one of {', '.join(BACKEND_CHOICES)}.")

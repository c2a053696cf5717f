"""Shared fixtures. Real-model fixtures are session-scoped: the model loads once."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def default_backend():
    """The real embedded default model (SmolLM2-135M-Instruct, Q4_1 GGUF)."""
    from agent.llm import load_backend

    return load_backend()


FRANCE = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture
def france():
    return [dict(m) for m in FRANCE]

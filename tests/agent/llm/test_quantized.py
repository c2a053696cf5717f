"""bitsandbytes 8-bit and 4-bit NF4 load the default model on CPU and still answer."""

import pytest

from agent.llm import load_backend

pytestmark = pytest.mark.model


@pytest.mark.parametrize("quantize", ["8bit", "4bit"])
def test_quantized_default_model_answers_paris(quantize, france):
    backend = load_backend(None, quantize=quantize, device="cpu")
    assert quantize in backend.name
    assert "Paris" in backend.greedy(france, max_new_tokens=20).text

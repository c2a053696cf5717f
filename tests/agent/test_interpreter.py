"""The interpreter adapter in the interpret step: who writes the readings, and the real one."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from agent.interpreter import available, same_model
from agent.llm.fake import FakeBackend
from agent.nodes.interpret import model_readings
from tests.agent.fakes import node_runtime

REQUEST = "Who played kelly on the show?"
READINGS = [
    "Who played kelly on the show in its first season?",
    "Who played kelly on the show in the 2010 remake?",
]


def test_the_adapter_runs_only_with_the_embedded_model_it_was_trained_on():
    embedded = "SmolLM2-135M-Instruct (Q4_1 GGUF, embedded) [llama.cpp, F16]"
    assert same_model(None, embedded) and same_model("default", embedded)
    assert not same_model(None, "fake")  # a test's scripted backend
    assert not same_model(None, "smollm2 @ http://127.0.0.1:8080/v1")  # a server
    assert not same_model("/models/other.gguf", embedded)


def test_a_fake_backend_never_loads_the_adapter(embedder):
    runtime = node_runtime(backend=FakeBackend(lambda m: ["x"]), embedder=embedder)
    assert runtime.context.resources.interpreter is None
    off = node_runtime(backend=FakeBackend(lambda m: ["x"]), embedder=embedder, interpreter=False)
    assert off.context.resources.interpreter is None


def test_readings_come_from_the_adapter_when_there_is_one(embedder):
    prompted = FakeBackend(lambda m: ["Kelly was played by an actress."])  # answers instead
    adapter = FakeBackend(lambda m: READINGS)
    runtime = node_runtime(backend=prompted, embedder=embedder, readings=3)
    res = runtime.context.resources
    res._interpreter = SimpleNamespace(backend=adapter)
    state = {"request": REQUEST}
    got = model_readings(state, runtime.context)
    assert got[0] == REQUEST and set(got[1:]) == set(READINGS)
    assert adapter.calls and not prompted.calls
    res._interpreter = None  # prompting alone: the answer is no reading
    assert model_readings(state, runtime.context) == [REQUEST]


@pytest.mark.model
@pytest.mark.timeout(600)
def test_the_real_adapter_writes_readings_that_survive_the_filters(embedder):
    """SmolLM2-135M + the trained LoRA (merged), sampled as the interpret step samples."""
    from agent.interpreter import InterpreterAdapter
    from agent.llm.base import SamplingParams
    from agent.nodes.interpret import READING_TOKENS, usable_rewrites
    from agent.templates import render

    if not available():
        pytest.fail("agent/adapter_weights/interpreter/ is not trained")
    backend = InterpreterAdapter().backend
    request = "When did the bridge open?"  # in none of the data sets
    prompt = render("interpret", question=request)
    params = SamplingParams(n=8, max_new_tokens=READING_TOKENS, seed=0)
    texts = [s.text for s in backend.sample([{"role": "user", "content": prompt}], params)]
    kept = usable_rewrites(request, texts, prompt, embedder)
    assert kept, texts
    assert all(k.endswith("?") and "bridge" in k.casefold() for k in kept)

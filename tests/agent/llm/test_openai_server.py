"""The openai backend against a REAL OpenAI-compatible server: llama-cpp-python's
(`python -m llama_cpp.server`, tests/llama_server.py) serving the embedded GGUF on a free
loopback port. Few and small: the server runs the model on the same two cores."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent import Agent, AgentConfig
from agent.errors import GenerationError
from agent.llm.base import SamplingParams
from agent.llm.openai_backend import OpenAIBackend
from tests.llama_server import MODEL_ALIAS, LlamaServer

pytestmark = [pytest.mark.server, pytest.mark.model, pytest.mark.timeout(900)]
ROOT = Path(__file__).resolve().parents[3]
EAGER = ROOT / "tests" / "profiles" / "eager-clarify.yaml"
FRANCE = [{"role": "user", "content": "What is the capital of France?"}]


def test_samples_carry_per_token_logprobs(llama_server):
    backend = OpenAIBackend.load(llama_server.base_url)
    assert backend.model == MODEL_ALIAS  # the one model it serves, found by asking
    samples = backend.sample(FRANCE, SamplingParams(n=3, max_new_tokens=12, seed=0))
    assert backend.n_supported is False  # llama-cpp-python drops n: detected, not configured
    assert len(samples) == 3 and all(s.text for s in samples)
    assert all(s.token_logprobs and max(s.token_logprobs) <= 0.0 for s in samples)
    assert len({s.text for s in samples}) > 1  # each single request had its own seed
    greedy = backend.greedy(FRANCE, max_new_tokens=12)
    assert greedy.text and greedy.token_logprobs
    assert backend.greedy(FRANCE, max_new_tokens=12).text == greedy.text


def test_cli_ask_reports_uncertainty_from_n_samples_with_logprobs(llama_server, tmp_path):
    env = {**os.environ, "CLARION_DATA_DIR": str(tmp_path)}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "ask",
            "What is the capital of France?",
            "--backend",
            "openai",
            "--base-url",
            llama_server.base_url,
            "--samples",
            "4",
            "--max-new-tokens",
            "24",
            "--no-adaptive",  # always sample (an adaptive turn may answer from its probe)
            "--timeout",
            "900",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    reply = json.loads(out.stdout)
    entropy = reply["uncertainty"]["semantic_entropy"]["evidence"]
    assert entropy["n_samples"] == 4  # 2 per ensemble member, each from 2 single requests
    assert entropy["likelihood_weighted"] is not None  # computed from the log-probs
    assert reply["kind"] in ("answer", "hedge") and reply["text"]


def test_clarify_then_resume_through_the_server(llama_server, tmp_path, embedder):
    config = AgentConfig(
        base_url=llama_server.base_url,
        context=str(EAGER),
        samples=2,
        readings=2,
        max_new_tokens=24,
        answer_tokens=48,
        adaptive=False,
        timeout_s=900,
        data_dir=tmp_path,
    )
    agent = Agent(config, embedder=embedder)
    asked = agent.chat("What does it mean to skip?")
    if asked.kind != "clarify":
        pytest.xfail(f"the served model offered no differing readings: {asked.route_reason}")
    # readings offered as options, or an open question when none differ (the policy's two
    # clarify forms); either is answered through the same resume
    assert len(asked.options) >= 2 or asked.options == []
    answered = agent.resume(asked.thread_id, "2" if asked.options else "to jump lightly")
    assert answered.thread_id == asked.thread_id and answered.kind in ("answer", "hedge")
    kinds = [m["kind"] for m in agent.history(asked.thread_id)]
    assert kinds[:3] == ["user", "clarify", "clarify_reply"]


def test_a_server_stopped_mid_turn_is_a_plain_error_and_loses_nothing(tmp_path, embedder):
    with LlamaServer() as server:
        config = AgentConfig(
            base_url=server.base_url,
            samples=1,
            max_new_tokens=8,
            answer_tokens=16,
            adaptive=False,
            timeout_s=900,
            data_dir=tmp_path,
        )
        agent = Agent(config, embedder=embedder)
        first = agent.chat("What is the capital of France?")
        before = agent.history(first.thread_id)
        events = agent.stream("And of Italy?", first.thread_id)
        next(events)  # the turn has begun
        server.stop()
        with pytest.raises(GenerationError, match="Cannot reach the model server"):
            list(events)
        assert agent.history(first.thread_id) == before
        server.start()  # back on the same port: the conversation goes on
        again = agent.chat("And of Italy?", first.thread_id)
    assert [m["content"] for m in agent.history(first.thread_id)][-2] == "And of Italy?"
    assert again.thread_id == first.thread_id

"""OpenAIBackend's logic against a scripted loopback server (tests/agent/llm/openai_stub.py):
retries, n detection, missing log-probs, plain errors. The real server: test_openai_server.py."""

import time

import pytest

from agent.errors import GenerationError, ModelLoadError, PromptTooLongError
from agent.llm.base import Sample, SamplingParams
from agent.llm.openai_backend import OpenAIBackend
from tests.agent.llm.openai_stub import StubServer, completion
from tests.pg_server import free_port

HELLO = [{"role": "user", "content": "What is the capital of France?"}]


def backend_for(stub, **kw) -> OpenAIBackend:
    return OpenAIBackend.load(stub.base_url, **kw)


def test_a_server_that_honours_n_gets_one_request():
    with StubServer(lambda body: (200, completion(body.get("n", 1)))) as stub:
        samples = backend_for(stub).sample(HELLO, SamplingParams(n=4, seed=7))
    assert len(stub.requests) == 1 and stub.requests[0]["n"] == 4
    assert stub.requests[0]["logprobs"] is True and stub.requests[0]["seed"] == 7
    assert len(samples) == 4 and samples[0].token_logprobs == (-0.25,) * 4
    assert samples[0].text == "Paris is the capital." and samples[0].finish_reason == "stop"


def test_the_in_process_sampler_is_sent_unless_the_server_refuses_it():
    with StubServer(lambda body: (200, completion(body.get("n", 1)))) as stub:
        backend_for(stub).sample(HELLO, SamplingParams(n=2, seed=1))
    assert (stub.requests[0]["top_k"], stub.requests[0]["min_p"]) == (50, 0.0)
    assert stub.requests[0]["repeat_penalty"] == 1.0

    def strict(body):  # like api.openai.com: unknown fields are a 400
        if "top_k" in body:
            return 400, {"error": {"message": "Unrecognized request argument: top_k"}}
        return 200, completion(body.get("n", 1))

    with StubServer(strict) as stub:
        backend = backend_for(stub)
        assert len(backend.sample(HELLO, SamplingParams(n=2, seed=1))) == 2
        backend.sample(HELLO, SamplingParams(n=2, seed=2))
    assert backend.sampler_fields is False
    assert ["top_k" in r for r in stub.requests] == [True, False, False]


def test_a_server_that_ignores_n_gets_single_requests_with_their_own_seeds():
    with StubServer(lambda body: (200, completion(1))) as stub:
        backend = backend_for(stub)
        first = backend.sample_batch([HELLO, HELLO], SamplingParams(n=3, seed=10))
        assert backend.n_supported is False
        assert [len(s) for s in first] == [3, 3]
        assert len(stub.requests) == 2 + 4  # two n=3 tries, then the 4 missing ones
        assert sorted(r.get("seed") for r in stub.requests[2:]) == [11, 11, 12, 12]
        stub.requests.clear()
        backend.sample(HELLO, SamplingParams(n=3, seed=0))  # known now: singles only
    assert len(stub.requests) == 3 and all("n" not in r for r in stub.requests)
    assert sorted(r["seed"] for r in stub.requests) == [0, 1, 2]


def test_429_and_5xx_are_retried_with_backoff(monkeypatch):
    monkeypatch.setattr("agent.llm.openai_backend.RETRY_BASE_S", 0.01)
    answers = iter([(429, {"error": {"message": "slow down"}}), (503, {}), None])

    def script(body):
        return next(answers) or (200, completion(1))

    with StubServer(script) as stub:
        sample = backend_for(stub).greedy(HELLO)
    assert sample.text == "Paris is the capital." and len(stub.requests) == 3
    assert stub.requests[-1]["temperature"] == 0.0


def test_a_server_that_keeps_failing_is_a_plain_error(monkeypatch):
    monkeypatch.setattr("agent.llm.openai_backend.RETRY_BASE_S", 0.01)
    with StubServer(lambda body: (500, {"error": {"message": "CUDA out of memory"}})) as stub:
        backend = backend_for(stub, max_retries=2)
        with pytest.raises(GenerationError, match="failed \\(500: CUDA out of memory\\)"):
            backend.greedy(HELLO)
    assert len(stub.requests) == 3


def test_no_logprobs_is_a_plain_error():
    no_logprobs = StubServer(lambda body: (200, completion(1, logprobs=False)))
    with no_logprobs as stub, pytest.raises(GenerationError, match="no log-probabilities"):
        backend_for(stub).sample(HELLO, SamplingParams(n=1))


def test_a_too_long_prompt_and_an_unknown_model():
    too_long = {"error": {"message": "This model's maximum context length is 2048 tokens"}}
    with StubServer(lambda body: (400, too_long)) as stub:
        with pytest.raises(PromptTooLongError, match="too long for the served model"):
            backend_for(stub).sample(HELLO, SamplingParams(n=1))
        with pytest.raises(ModelLoadError, match="does not serve 'llama-70b'; it serves: stub"):
            OpenAIBackend.load(stub.base_url, "llama-70b")


def test_the_deadline_cuts_a_slow_server():
    def slow(body):
        time.sleep(1.5)
        return 200, completion(1)

    with StubServer(slow) as stub:
        backend = backend_for(stub)
        started = time.monotonic()
        samples = backend.sample(HELLO, SamplingParams(n=2, deadline=time.monotonic() + 0.5))
    assert time.monotonic() - started < 1.4
    assert [s.finish_reason for s in samples] == ["time", "time"]


def test_an_unreachable_server_is_a_plain_error(monkeypatch):
    monkeypatch.setattr("agent.llm.openai_backend.RETRY_BASE_S", 0.01)
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(GenerationError, match=f"Cannot reach the model server at {url}"):
        OpenAIBackend.load(url)
    with pytest.raises(ModelLoadError, match="needs the server's URL"):
        OpenAIBackend.load(None)


def test_the_api_key_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("CLARION_API_KEY", "sk-test")
    with StubServer(lambda body: (200, completion(1))) as stub:
        OpenAIBackend(stub.base_url, "stub").greedy(HELLO)
    assert stub.api_keys == ["Bearer sk-test"]


def test_extend_continues_the_final_message():
    with StubServer(lambda body: (200, completion(1, text="and the largest city."))) as stub:
        backend = backend_for(stub)
        start = Sample("Paris is the capital", (), (-0.5,), "length")
        pieces = []
        whole = backend.extend(HELLO, start, 64, pieces.append)
    assert whole.text == "Paris is the capital and the largest city."
    assert pieces == [" and the largest city."] and len(whole.token_logprobs) == 5
    sent = stub.requests[0]
    assert sent["messages"][-1] == {"role": "assistant", "content": "Paris is the capital"}
    assert sent["continue_final_message"] is True and sent["add_generation_prompt"] is False
    assert backend.extend(HELLO, Sample("Done.", (), (), "stop"), 64).text == "Done."


def test_extend_from_nothing_is_the_greedy_answer():
    with StubServer(lambda body: (200, completion(1))) as stub:
        whole = backend_for(stub).extend(HELLO, Sample("", (), (), "length"), 64)
    assert whole.text == "Paris is the capital." and stub.requests[0]["messages"] == HELLO
    assert "continue_final_message" not in stub.requests[0]

"""Shared fixtures. Real-model fixtures are session-scoped: the model loads once."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _scripted_judges(request, monkeypatch):
    """Fast tests run the graph with scripted judges (tests/agent/fakes.py: `judged`, the
    scripted world's verdicts, unless a test passes its own); tests marked `model`, and
    modules with REAL_JUDGES = True, load the real agent.judges.Judges."""
    if request.node.get_closest_marker("model") or getattr(request.module, "REAL_JUDGES", False):
        return
    from agent.judges import Judges
    from tests.agent.fakes import ScriptedJudges, judged

    monkeypatch.setattr(Judges, "load", classmethod(lambda cls, *a, **k: ScriptedJudges(judged)))


@pytest.fixture(scope="session")
def default_backend():
    """The real embedded default model (SmolLM2-135M-Instruct, Q4_1 GGUF)."""
    from agent.llm import load_backend

    return load_backend()


@pytest.fixture(scope="session")
def transformers_backend(default_backend):
    """The embedded model through transformers (the default backend is llama.cpp when
    llama-cpp-python is installed; then this is a second copy)."""
    from agent.llm import load_backend
    from agent.llm.transformers_backend import TransformersBackend

    if isinstance(default_backend, TransformersBackend):
        return default_backend
    return load_backend(backend="transformers")


@pytest.fixture(scope="session")
def llamacpp_backend(default_backend):
    """The embedded model through llama.cpp (skipped without llama-cpp-python)."""
    pytest.importorskip("llama_cpp")
    from agent.llm import load_backend
    from agent.llm.llamacpp_backend import LlamaCppBackend

    if isinstance(default_backend, LlamaCppBackend):
        return default_backend
    return load_backend(backend="llamacpp")


@pytest.fixture(params=["llamacpp", "transformers"])
def any_backend(request):
    """Each backend of the embedded model in turn: the contract holds for both."""
    return request.getfixturevalue(f"{request.param}_backend")


FRANCE = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture
def france():
    return [dict(m) for m in FRANCE]


@pytest.fixture(scope="session")
def postgres_cluster():
    """A real PostgreSQL server on a free loopback port for the whole session (tests/
    pg_server.py). Skipped where the server is not installed, but never under CI, where
    `make test` installs it: there a missing server is a failure."""
    from tests.pg_server import PostgresCluster, server_bin_dir

    bin_dir = server_bin_dir()
    if bin_dir is None:
        message = "PostgreSQL server binaries not found (make postgres installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with PostgresCluster(bin_dir) as cluster:
        yield cluster


@pytest.fixture
def pg_url(postgres_cluster):
    """A fresh empty database on the session's PostgreSQL server: its postgresql:// URL."""
    return postgres_cluster.new_database()


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    """llama-cpp-python's OpenAI-compatible server on the embedded GGUF, on loopback."""
    from tests.llama_server import LlamaServer

    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with LlamaServer(log_file=log) as server:
        yield server

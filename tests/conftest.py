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

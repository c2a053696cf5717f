import pytest


@pytest.fixture(scope="session")
def embedder():
    """The real embedded sentence embedder (small): loaded once per session."""
    from uncertainty import Embedder

    return Embedder()

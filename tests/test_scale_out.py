"""Several Clarion processes, one PostgreSQL database, one model server: whatever one
process starts, another continues (tests/agent_worker.py is one such process).

Both workers run the real stack: the openai backend against llama-cpp-python's server
(the embedded GGUF), the real embedder, PostgresSaver and the participation tables in
the real PostgreSQL server of tests/pg_server.py."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.postgres, pytest.mark.server, pytest.mark.model, pytest.mark.timeout(900)]
ROOT = Path(__file__).resolve().parents[1]
EAGER = ROOT / "tests" / "profiles" / "eager-clarify.yaml"


class Worker:
    def __init__(self, config: Path, log: Path):
        self.log = open(log, "wb")  # noqa: SIM115 -- closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "agent_worker.py"), str(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            cwd=ROOT,
        )
        self.pid = self._read()["pid"]

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        assert line, f"worker died: {self.log.name}"
        return json.loads(line)

    def ask(self, op: str, **request) -> dict:
        self.process.stdin.write(json.dumps({"op": op, **request}) + "\n")
        self.process.stdin.flush()
        answer = self._read()
        assert answer["pid"] == self.pid
        return answer

    def __call__(self, op: str, **request):
        answer = self.ask(op, **request)
        assert "error" not in answer, answer["error"]
        return answer["ok"]

    def stop(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def workers(pg_url, llama_server, tmp_path):
    config = tmp_path / "clarion.yaml"
    settings = {
        "db_url": pg_url,
        "base_url": llama_server.base_url,
        "context": str(EAGER),
        "samples": 2,
        "readings": 2,
        "max_new_tokens": 24,
        "answer_tokens": 48,
        "adaptive": False,
        "timeout_s": 900,
        "data_dir": str(tmp_path),
    }
    config.write_text(yaml.safe_dump(settings))
    started = [Worker(config, tmp_path / f"worker{i}.log") for i in (1, 2)]
    yield started
    for worker in started:
        worker.stop()


def test_two_processes_share_threads_clarifications_votes_and_tokens(workers):
    one, two = workers
    assert one.pid != two.pid

    # A thread started on one process continues on the other.
    first = one("chat", message="What is the capital of France?")
    second = two("chat", message="And of Italy?", thread=first["thread_id"])
    assert second["thread_id"] == first["thread_id"]
    history = one("history", thread=first["thread_id"])
    assert [m["content"] for m in history if m["role"] == "user"] == [
        "What is the capital of France?",
        "And of Italy?",
    ]

    # A browser's signed token from one process is honoured by the other (shared key).
    token = one("issue", thread=first["thread_id"])
    assert two("verify", token=token) == first["thread_id"]

    # One vote per shown perspectives reply, whichever process takes it, in one tally.
    thread = first["thread_id"]
    one("shown", thread=thread, perspectives=["care", "liberty"])
    one("vote", thread=thread, perspective="care")
    assert "error" in two.ask("vote", thread=thread, perspective="liberty")  # same reply
    two("shown", thread=thread, perspectives=["care", "liberty"])  # a later reply
    two("vote", thread=thread, perspective="liberty")
    assert one("tallies") == two("tallies") == {"care": 1, "liberty": 1, "missing": 0}

    # A clarifying question asked by one process is answered through the other.
    asked = one("chat", message="What does it mean to skip?")
    if asked["kind"] != "clarify":
        pytest.xfail(f"the served model offered no differing readings: {asked['route_reason']}")
    answered = two("chat", message="2", thread=asked["thread_id"])
    assert answered["thread_id"] == asked["thread_id"]
    assert answered["kind"] in ("answer", "hedge")
    kinds = [m["kind"] for m in one("history", thread=asked["thread_id"])]
    assert kinds[:3] == ["user", "clarify", "clarify_reply"]

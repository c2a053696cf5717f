"""Conversations and participation in a real PostgreSQL server (tests/pg_server.py)."""

import json
import threading

import pytest

from agent import Agent, AgentConfig
from agent.db import Database
from agent.errors import ConfigError, InvalidInputError
from agent.llm.fake import FakeBackend
from agent.participation import ParticipationStore
from agent.proposals import ProposalStore
from tests.agent.fakes import AMBIGUOUS, EGG, script
from tests.agent.test_cli_resume import run_cli
from tests.agent.test_perspectives import NEW

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(600)]


def pg_agent(url, tmp_path, embedder) -> Agent:
    config = AgentConfig(db_url=url, data_dir=tmp_path, adaptive=False)  # the sampled moves
    return Agent(config, backend=FakeBackend(script), embedder=embedder)


def test_a_clarify_asked_by_one_agent_is_answered_by_another(pg_url, tmp_path, embedder):
    first = pg_agent(pg_url, tmp_path, embedder)
    asked = first.chat(AMBIGUOUS)
    assert asked.kind == "clarify"
    first.close()

    second = pg_agent(pg_url, tmp_path, embedder)
    assert second.pending(asked.thread_id).options == asked.options
    final = second.resume(asked.thread_id, EGG)
    assert final.kind == "answer" and "twenty minutes" in final.text
    assert [m["kind"] for m in second.history(asked.thread_id)] == [
        "user",
        "clarify",
        "clarify_reply",
        "answer",
    ]
    assert not (tmp_path / "clarion.sqlite").exists()  # nothing went to the SQLite default
    with second.database.connect() as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables")}
    assert {"checkpoints", "checkpoint_writes", "checkpoint_migrations"} <= tables
    second.close()


def test_participation_lives_in_the_same_database(pg_url, tmp_path):
    db = Database(pg_url)
    store = ParticipationStore(db)
    for thread in ("t1", "t2", "t3"):
        store.shown(thread, ["care", "liberty"])
    store.record("t1", "care")
    store.record("t2", "care", "A religious view was missing")
    other = ParticipationStore(pg_url)  # another process's store on the same database
    other.record("t3", None, "Nobody spoke for farmers")
    with pytest.raises(InvalidInputError, match="already recorded"):
        other.record("t1", "liberty")  # once per reply, across processes
    for s in (store, other):
        assert s.tallies() == {"care": 2, "missing": 2}
        assert s.missing_views() == ["Nobody spoke for farmers", "A religious view was missing"]
    proposals = ProposalStore(db, tmp_path / "perspectives.yaml")
    proposals.propose(NEW, proposer="a")
    assert proposals.support(NEW["id"], "b", needed=1).status == "accepted"
    with pytest.raises(InvalidInputError, match="already exists"):
        ProposalStore(pg_url, tmp_path / "perspectives.yaml").propose(NEW, proposer="c")
    db.close()
    other.db.close()


def test_the_shared_secret_is_made_once(pg_url):
    dbs = [Database(pg_url) for _ in range(4)]
    keys = []
    workers = [threading.Thread(target=lambda d=d: keys.append(d.secret("k"))) for d in dbs]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    assert len(keys) == 4 and len(set(keys)) == 1 and len(keys[0]) == 64
    for d in dbs:
        d.close()


def test_agents_set_up_one_database_at_once(pg_url, tmp_path, embedder):
    """Several processes starting together all run PostgresSaver.setup(): no collision."""
    agents, errors = [], []

    def start():
        try:
            agents.append(pg_agent(pg_url, tmp_path, embedder))
        except Exception as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=start) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert not errors and len(agents) == 3
    for a in agents:
        a.close()


def test_unreachable_server_is_a_plain_error(postgres_cluster, tmp_path, embedder, monkeypatch):
    from tests.pg_server import free_port

    monkeypatch.setattr("agent.db.CONNECT_TIMEOUT_S", 2.0)
    url = f"postgresql://clarion@127.0.0.1:{free_port()}/nowhere?connect_timeout=2"
    with pytest.raises(ConfigError, match="Cannot reach the PostgreSQL database") as err:
        pg_agent(url, tmp_path, embedder)
    assert "Check that the server runs" in str(err.value)


def test_cli_continues_one_conversation_across_processes(pg_url, tmp_path):
    """`ask --db postgresql://...` in one process, `--thread ID` in another."""
    out = run_cli("ask", AMBIGUOUS, "--json", "--db", pg_url, data_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    asked = json.loads(out.stdout)
    assert asked["kind"] == "clarify"
    number = str(asked["options"].index(EGG) + 1)
    out = run_cli("ask", number, "--thread", asked["thread_id"], "--db", pg_url, data_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "About twenty minutes in a covered pot." in out.stdout
    assert not list(tmp_path.glob("*.sqlite"))

import sqlite3
import threading

import pytest

from agent.errors import InvalidInputError
from agent.participation import ParticipationStore


def test_feedback_is_written_and_read_back(tmp_path):
    db = tmp_path / "clarion.sqlite"
    store = ParticipationStore(db)
    for thread in ("t1", "t2", "t3"):
        store.shown(thread, ["care", "liberty"])
    store.record("t1", "care", None)
    store.record("t2", "liberty", "A religious view was missing")
    store.shown("t1", ["care"])  # a later perspectives reply takes one more vote
    store.record("t1", "care", None)
    store.record("t3", None, "Nobody spoke for farmers")

    assert store.tallies() == {"care": 2, "liberty": 1, "missing": 2}
    assert store.missing_views() == ["Nobody spoke for farmers", "A religious view was missing"]
    # A second store on the same file (e.g. after a restart) reads the same record.
    assert ParticipationStore(db).tallies()["care"] == 2


def test_a_vote_counts_once_per_reply_and_only_for_a_shown_perspective(tmp_path):
    store = ParticipationStore(tmp_path / "x.sqlite")
    with pytest.raises(InvalidInputError, match="none yet"):
        store.record("t1", "care")  # nothing shown in this thread
    store.shown("t1", ["care", "liberty"])
    with pytest.raises(InvalidInputError, match="not among"):
        store.record("t1", "virtue")
    store.shown("t2", ["virtue"])
    with pytest.raises(InvalidInputError, match="not among"):
        store.record("t1", "virtue")  # shown in another thread, not in this one
    store.record("t1", "care")
    with pytest.raises(InvalidInputError, match="already recorded"):
        store.record("t1", "liberty")
    assert store.tallies() == {"care": 1, "missing": 0}


def test_concurrent_votes_on_one_reply_count_once(tmp_path):
    store = ParticipationStore(tmp_path / "x.sqlite")
    store.shown("t", ["care"])
    results = []

    def vote():
        try:
            ParticipationStore(tmp_path / "x.sqlite").record("t", "care")
            results.append("ok")
        except InvalidInputError:
            results.append("refused")

    threads = [threading.Thread(target=vote) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok"] + ["refused"] * 7
    assert store.tallies()["care"] == 1


def test_shares_the_file_with_other_tables(tmp_path):
    db = tmp_path / "clarion.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE checkpoints (thread_id TEXT)")
    store = ParticipationStore(db)
    store.shown("t1", ["care"])
    store.record("t1", "care")
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"checkpoints", "participation", "shown_reply"} <= tables


def test_empty_store_has_zero_missing(tmp_path):
    store = ParticipationStore(tmp_path / "sub" / "x.sqlite")
    assert store.tallies() == {"missing": 0}
    assert store.missing_views() == []
    assert (tmp_path / "sub").stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(
    "perspective, missing",
    [(None, None), ("  ", ""), (None, "x" * 2001), (None, "bidi \u202e trick"), (3, None)],
)
def test_rejects_empty_oversized_or_odd_feedback(tmp_path, perspective, missing):
    store = ParticipationStore(tmp_path / "x.sqlite")
    store.shown("t1", ["care"])
    with pytest.raises(InvalidInputError):
        store.record("t1", perspective, missing)
    assert store.tallies() == {"missing": 0}

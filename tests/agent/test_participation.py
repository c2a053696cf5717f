import sqlite3

import pytest

from agent.errors import InvalidInputError
from agent.participation import ParticipationStore


def test_feedback_is_written_and_read_back(tmp_path):
    db = tmp_path / "clarion.sqlite"
    store = ParticipationStore(db)
    store.record("t1", "care", None)
    store.record("t2", "care", None)
    store.record("t2", "liberty", "A religious view was missing")
    store.record("t3", None, "Nobody spoke for farmers")

    assert store.tallies() == {"care": 2, "liberty": 1, "missing": 2}
    assert store.missing_views() == ["Nobody spoke for farmers", "A religious view was missing"]
    # A second store on the same file (e.g. after a restart) reads the same record.
    assert ParticipationStore(db).tallies()["care"] == 2


def test_shares_the_file_with_other_tables(tmp_path):
    db = tmp_path / "clarion.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE checkpoints (thread_id TEXT)")
    ParticipationStore(db).record("t1", "care")
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"checkpoints", "participation"} <= tables


def test_empty_store_has_zero_missing(tmp_path):
    store = ParticipationStore(tmp_path / "sub" / "x.sqlite")
    assert store.tallies() == {"missing": 0}
    assert store.missing_views() == []


@pytest.mark.parametrize("perspective, missing", [(None, None), ("  ", ""), (None, "x" * 2001)])
def test_rejects_empty_or_oversized_feedback(tmp_path, perspective, missing):
    store = ParticipationStore(tmp_path / "x.sqlite")
    with pytest.raises(InvalidInputError):
        store.record("t1", perspective, missing)
    assert store.tallies() == {"missing": 0}

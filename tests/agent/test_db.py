"""agent.db without a server: the SQLite side, URL handling, the --db setting."""

import pytest

from agent import AgentConfig
from agent.cli_config import db_setting
from agent.db import Database
from agent.errors import ConfigError


def test_sqlite_database_takes_qmark_sql_and_rolls_back_on_error(tmp_path):
    db = Database(tmp_path / "sub" / "x.sqlite")
    db.create_tables("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)")
    with db.connect() as conn:
        conn.execute("INSERT INTO t (v) VALUES (?)", ("a",))
    with pytest.raises(RuntimeError), db.connect() as conn:
        conn.execute("INSERT INTO t (v) VALUES (?)", ("b",))
        raise RuntimeError("boom")
    with db.connect() as conn:
        assert conn.execute("SELECT v FROM t").fetchall() == [("a",)]


def test_secret_is_stable_per_database(tmp_path):
    one = Database(tmp_path / "a.sqlite").secret("k")
    assert Database(tmp_path / "a.sqlite").secret("k") == one and len(one) == 64
    assert Database(tmp_path / "b.sqlite").secret("k") != one


def test_password_never_shown():
    db = Database("postgresql://me:hunter2@127.0.0.1:1/x")
    assert db.postgres and "hunter2" not in str(db) and "me:***@" in str(db)


def test_db_flag_picks_the_engine(tmp_path):
    assert db_setting(None) == {}
    assert db_setting("x.sqlite") == {"db_path": "x.sqlite"}
    url = "postgresql://u@127.0.0.1:5432/clarion"
    config = AgentConfig.parse({**db_setting(url), "data_dir": str(tmp_path)})
    assert config.database == url
    assert AgentConfig(data_dir=tmp_path).database == tmp_path / "clarion.sqlite"
    with pytest.raises(ConfigError, match="db_url.*postgresql://"):
        AgentConfig.parse({"db_url": "mysql://u@h/d"})

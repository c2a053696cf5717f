"""Where conversations live: LangGraph's checkpointer on the deployment's database, and
thread ids.

The database (`agent.db`: a SQLite file by default, in the user's data folder, or a
PostgreSQL URL) holds every thread's checkpoints, including one waiting on a clarifying
question, so a conversation survives a restart and, on PostgreSQL, continues in any
process. A checkpointer is shared across threads (Gradio serves requests from a pool):
SqliteSaver serialises access with its own lock, PostgresSaver takes connections from
the database's pool.
"""

from __future__ import annotations

import secrets
import sqlite3

from agent.db import Database
from agent.errors import ConfigError


def open_checkpointer(db: Database):
    """LangGraph's saver on `db`, its tables created or migrated (`setup()`)."""
    if db.postgres:
        from langgraph.checkpoint.postgres import PostgresSaver

        saver = PostgresSaver(db.pool)
        with db.setup_lock():
            saver.setup()
        return saver
    from langgraph.checkpoint.sqlite import SqliteSaver

    try:
        conn = sqlite3.connect(str(db.target), check_same_thread=False)
    except sqlite3.Error as exc:
        raise ConfigError(f"Cannot open the conversation store {db}: {exc}") from exc
    saver = SqliteSaver(conn)
    saver.setup()
    return saver


def new_thread_id() -> str:
    """Random and unguessable (128 bits): a thread id is the key to a conversation."""
    return secrets.token_urlsafe(16)

"""Where conversations live: LangGraph's checkpointer on the deployment's database, and
thread ids.

The database (`agent.db`: a SQLite file by default, in the user's data folder, or a
PostgreSQL URL) holds every thread's checkpoints, including one waiting on a clarifying
question, so a conversation survives a restart and, on PostgreSQL, continues in any
process. A checkpointer is shared across threads (Gradio serves requests from a pool):
SqliteSaver serialises access with its own lock, PostgresSaver takes connections from
the database's pool.

The state's objects (UncertaintyReport, Route, Reply, ...) are stored by LangGraph's own
serializer, which rebuilds only the classes on its allow-list (`serializer()`); both
checkpointers (SQLite and PostgreSQL) are built on it, so they store them the same way.
"""

from __future__ import annotations

import secrets
import sqlite3
from typing import TYPE_CHECKING

from agent.db import Database
from agent.errors import ConfigError

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer


def serializer() -> JsonPlusSerializer:
    """LangGraph's serializer, allowed to rebuild exactly the classes a State holds."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    from agent.state import checkpoint_types

    allowed = sorted((t.__module__, t.__name__) for t in checkpoint_types())
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


def open_checkpointer(db: Database) -> BaseCheckpointSaver:
    """LangGraph's saver on `db`, its tables created or migrated (`setup()`)."""
    if db.postgres:
        from langgraph.checkpoint.postgres import PostgresSaver

        postgres = PostgresSaver(db.pool, serde=serializer())
        with db.setup_lock():
            postgres.setup()
        return postgres
    from langgraph.checkpoint.sqlite import SqliteSaver

    try:
        # timeout: another process holding the file's lock (a backup, a second app) makes
        # a write wait for it, up to 30 s, instead of failing the turn at once.
        conn = sqlite3.connect(str(db.path), check_same_thread=False, timeout=30)
    except sqlite3.Error as exc:
        raise ConfigError(f"Cannot open the conversation store {db}: {exc}") from exc
    saver = SqliteSaver(conn, serde=serializer())
    saver.setup()  # the file in WAL mode (LangGraph's setup)
    # A commit reaches the WAL file without an fsync: it survives the process being killed
    # (-9), since what was written is in the operating system's cache, and can only roll
    # back on a power loss or an OS crash (SQLite's synchronous=NORMAL in WAL mode). With
    # an fsync per checkpoint (5 to 10 a turn) the writes of a direct turn took 70-105 ms
    # here, without it 11-17 ms (`python -m eval bench --profile`, a loaded 2-core VM).
    conn.execute("PRAGMA synchronous=NORMAL")
    return saver


def close_checkpointer(saver: BaseCheckpointSaver) -> None:
    """Close the connection of a checkpointer opened by open_checkpointer."""
    conn = getattr(saver, "conn", None)
    if conn is not None:
        conn.close()


def new_thread_id() -> str:
    """Random and unguessable (128 bits): a thread id is the key to a conversation.

    Hex, so an id never starts with '-' and `--thread ID` always parses (a urlsafe token
    does 1 time in 64, and argparse then reads it as an option).
    """
    return secrets.token_hex(16)

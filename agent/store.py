"""Where conversations live: LangGraph's SQLite checkpointer, and thread ids.

One SQLite file (config.db_path, by default in the user's data folder) holds every
thread's checkpoints, including one waiting on a clarifying question, so a conversation
survives a restart. The connection is shared across threads (Gradio serves requests
from a pool); SqliteSaver serialises access with its own lock.

The state's objects (UncertaintyReport, Route, Reply, ...) are stored by LangGraph's own
serializer, which rebuilds only the classes on its allow-list (`serializer()`); any
checkpointer built on it (SQLite here, PostgreSQL too) stores them the same way.
"""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from agent.errors import ConfigError

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
    from langgraph.checkpoint.sqlite import SqliteSaver


def serializer() -> JsonPlusSerializer:
    """LangGraph's serializer, allowed to rebuild exactly the classes a State holds."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    from agent.state import checkpoint_types

    allowed = sorted((t.__module__, t.__name__) for t in checkpoint_types())
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


def open_checkpointer(db_path: Path) -> SqliteSaver:
    """A SqliteSaver on db_path, creating the parent folders."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    db_path = Path(db_path).expanduser()
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(db_path), check_same_thread=False)
    except (OSError, sqlite3.Error) as exc:
        raise ConfigError(f"Cannot open the conversation store {db_path}: {exc}") from exc
    saver = SqliteSaver(conn, serde=serializer())
    saver.setup()
    return saver


def close_checkpointer(saver: BaseCheckpointSaver) -> None:
    """Close the connection of a checkpointer opened by open_checkpointer."""
    conn = getattr(saver, "conn", None)
    if conn is not None:
        conn.close()


def new_thread_id() -> str:
    """Random and unguessable (128 bits): a thread id is the key to a conversation."""
    return secrets.token_urlsafe(16)

"""Where conversations live: LangGraph's SQLite checkpointer, and thread ids.

One SQLite file (config.db_path, by default in the user's data folder) holds every
thread's checkpoints, including one waiting on a clarifying question, so a conversation
survives a restart. The connection is shared across threads (Gradio serves requests
from a pool); SqliteSaver serialises access with its own lock.
"""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path

from agent.errors import ConfigError


def open_checkpointer(db_path: Path):
    """A SqliteSaver on db_path, creating the parent folders."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    db_path = Path(db_path).expanduser()
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(db_path), check_same_thread=False)
    except (OSError, sqlite3.Error) as exc:
        raise ConfigError(f"Cannot open the conversation store {db_path}: {exc}") from exc
    saver = SqliteSaver(conn)
    saver.setup()
    return saver


def new_thread_id() -> str:
    """Random and unguessable (128 bits): a thread id is the key to a conversation."""
    return secrets.token_urlsafe(16)

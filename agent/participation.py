"""Participation: which perspective represented a person, and which views were missing.

Pluralism is only half done when Clarion shows several perspectives; the other half is
hearing back whether anyone felt represented. The feedback lives in the same database as
the conversations (`agent.db`: the SQLite file or the PostgreSQL database), in its own
tables, so one database holds a deployment's whole record and a backup copies both.

A vote counts only for a perspective that was shown in that thread's last perspectives
reply, and once per reply (`shown()` records what a reply showed): a tally is of people
who read the views, not of requests anyone can send.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from pathlib import Path

from agent.db import Database
from agent.errors import InvalidInputError
from agent.sanitize import check_text

MISSING = "missing"
MAX_VIEW_CHARS = 2000
MISSING_SHOWN = 50  # the newest missing views listed; the count covers all of them

_SCHEMA = """
CREATE TABLE IF NOT EXISTS participation (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id     TEXT NOT NULL,
    perspective   TEXT,
    missing_view  TEXT,
    created_at    DOUBLE PRECISION NOT NULL,
    CHECK (perspective IS NOT NULL OR missing_view IS NOT NULL)
)
"""
_SHOWN = """
CREATE TABLE IF NOT EXISTS shown_reply (
    thread_id     TEXT PRIMARY KEY,
    reply_key     TEXT NOT NULL,
    perspectives  TEXT NOT NULL,
    shown_at      DOUBLE PRECISION NOT NULL,
    answered      INTEGER NOT NULL DEFAULT 0
)
"""


class ParticipationStore:
    """Feedback on perspectives replies, one row per statement a person made."""

    def __init__(self, db: Database | str | Path):
        # SQLite: a short-lived connection per call, safe across Gradio's worker threads;
        # PostgreSQL: connections from the database's pool, shared with the checkpointer.
        self.db = db if isinstance(db, Database) else Database(db)
        self.db.create_tables(_SCHEMA, _SHOWN)

    def shown(self, thread_id: str, perspective_ids: Sequence[str]) -> str:
        """Record the perspectives a reply in `thread_id` showed; it replaces the thread's
        earlier one (only the last perspectives reply takes a vote). Returns its key."""
        key = secrets.token_hex(8)
        with self.db.connect() as conn:
            conn.execute(
                "INSERT INTO shown_reply (thread_id, reply_key, perspectives, shown_at, answered)"
                " VALUES (?, ?, ?, ?, 0) ON CONFLICT (thread_id) DO UPDATE SET reply_key ="
                " excluded.reply_key, perspectives = excluded.perspectives, shown_at ="
                " excluded.shown_at, answered = 0",
                (thread_id, key, json.dumps(list(perspective_ids)), time.time()),
            )
        return key

    def record(self, thread_id: str, perspective_id: object, missing_view: object = None) -> None:
        """Store that `perspective_id` represented the person, and/or the view they missed,
        about the thread's last perspectives reply (once per reply)."""
        if not isinstance(thread_id, str) or not thread_id:
            raise InvalidInputError("Feedback needs the conversation it belongs to.")
        if perspective_id is not None and not isinstance(perspective_id, str):
            raise InvalidInputError("Pick a perspective from the list.")
        perspective_id = (perspective_id or "").strip() or None
        missing_view = (
            check_text(
                missing_view,
                "The missing view",
                max_chars=MAX_VIEW_CHARS,
                multiline=True,
                required=False,
            )
            or None
        )
        if perspective_id is None and missing_view is None:
            raise InvalidInputError(
                "Pick the perspective that represented you, or describe the view that was missing."
            )
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT perspectives FROM shown_reply WHERE thread_id = ?", (thread_id,)
            ).fetchone()
            if row is None:
                raise InvalidInputError(
                    "Feedback is about a reply that showed perspectives; this conversation "
                    "has none yet."
                )
            if perspective_id is not None and perspective_id not in json.loads(row[0]):
                raise InvalidInputError(
                    "That perspective was not among those in your last perspectives reply."
                )
            taken = conn.execute(
                "UPDATE shown_reply SET answered = 1 WHERE thread_id = ? AND answered = 0",
                (thread_id,),
            )
            if taken.rowcount != 1:
                raise InvalidInputError(
                    "Your feedback on this reply is already recorded; thank you."
                )
            conn.execute(
                "INSERT INTO participation (thread_id, perspective, missing_view, created_at) "
                "VALUES (?, ?, ?, ?)",
                (thread_id, perspective_id, missing_view, time.time()),
            )

    def tallies(self) -> dict[str, int]:
        """How often each perspective id represented someone, plus "missing": how often a
        view was reported missing."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT perspective, COUNT(*) FROM participation WHERE perspective IS NOT NULL "
                "GROUP BY perspective ORDER BY COUNT(*) DESC, perspective"
            ).fetchall()
            missing = conn.execute(
                "SELECT COUNT(*) FROM participation WHERE missing_view IS NOT NULL"
            ).fetchone()[0]
        counts = {perspective: count for perspective, count in rows}
        counts[MISSING] = missing
        return counts

    def missing_views(self, limit: int = MISSING_SHOWN) -> list[str]:
        """The newest `limit` views people said were missing, newest first."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT missing_view FROM participation WHERE missing_view IS NOT NULL "
                "ORDER BY created_at DESC, id DESC LIMIT ?",
                (int(limit),),
            ).fetchall()
        return [row[0] for row in rows]

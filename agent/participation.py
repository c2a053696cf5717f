"""Participation: which perspective represented a person, and which views were missing.

Pluralism is only half done when Clarion shows several perspectives; the other half is
hearing back whether anyone felt represented. The feedback lives in the same database as
the conversations (`agent.db`: the SQLite file or the PostgreSQL database), in its own
table, so one database holds a deployment's whole record and a backup copies both.
"""

from __future__ import annotations

import time
from pathlib import Path

from agent.db import Database
from agent.errors import InvalidInputError

MISSING = "missing"
MAX_VIEW_CHARS = 2000

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


class ParticipationStore:
    """Feedback on perspectives replies, one row per statement a person made."""

    def __init__(self, db: Database | str | Path):
        # SQLite: a short-lived connection per call, safe across Gradio's worker threads;
        # PostgreSQL: connections from the database's pool, shared with the checkpointer.
        self.db = db if isinstance(db, Database) else Database(db)
        self.db.create_tables(_SCHEMA)

    def record(
        self, thread_id: str, perspective_id: str | None, missing_view: str | None = None
    ) -> None:
        """Store that `perspective_id` represented the person, and/or the view they missed."""
        perspective_id = (perspective_id or "").strip() or None
        missing_view = (missing_view or "").strip() or None
        if not thread_id:
            raise InvalidInputError("Feedback needs the conversation it belongs to.")
        if perspective_id is None and missing_view is None:
            raise InvalidInputError(
                "Pick the perspective that represented you, or describe the view that was missing."
            )
        if missing_view is not None and len(missing_view) > MAX_VIEW_CHARS:
            raise InvalidInputError(
                f"The missing view is too long ({len(missing_view)} characters; at most "
                f"{MAX_VIEW_CHARS})."
            )
        with self.db.connect() as conn:
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

    def missing_views(self) -> list[str]:
        """The views people said were missing, newest first."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT missing_view FROM participation WHERE missing_view IS NOT NULL "
                "ORDER BY created_at DESC, id DESC"
            ).fetchall()
        return [row[0] for row in rows]

"""Proposed perspectives: pending until accepted, with who proposed and who supported.

A perspective someone proposes is heard by every later user whose question it is picked
for, so it is voiced to nobody until accepted: by the operator (`python -m agent
perspectives accept ID`), or, where the deployment's context profile sets
`proposal_supporters: N`, once N distinct people other than the proposer supported it
(one vote per person per proposal). Accepting appends it to the operator's registry file
(agent.perspectives.add_perspective); the proposal rows stay, as its provenance.

The rows live in the conversations' database (agent.db), next to agent.participation's.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agent.db import Database
from agent.errors import ConfigError, InvalidInputError
from agent.perspectives import Perspective, add_perspective, load_registry, validate_entry
from agent.sanitize import check_text

Status = Literal["pending", "accepted", "rejected"]
MAX_PENDING_PER_PERSON = 3

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS proposals (
    id          TEXT PRIMARY KEY,
    entry       TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'accepted', 'rejected')),
    proposer    TEXT NOT NULL,
    created_at  DOUBLE PRECISION NOT NULL,
    decided_at  DOUBLE PRECISION,
    decided_by  TEXT,
    reason      TEXT
)
""",
    """
CREATE TABLE IF NOT EXISTS proposal_support (
    proposal_id TEXT NOT NULL,
    person      TEXT NOT NULL,
    created_at  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (proposal_id, person)
)
""",
)


@dataclass(frozen=True)
class Proposal:
    perspective: Perspective
    status: Status
    proposer: str
    created_at: float
    supporters: int
    decided_by: str | None = None
    reason: str | None = None

    @property
    def id(self) -> str:
        return self.perspective.id


class ProposalStore:
    """Pending, accepted and rejected proposals; `registry_file` is the operator's
    perspectives.yaml that an accepted proposal is appended to."""

    def __init__(self, db: Database | str | Path, registry_file: Path):
        self.db = db if isinstance(db, Database) else Database(db)
        self.registry_file = Path(registry_file)
        self.db.create_tables(*_SCHEMA)

    # -- reading ------------------------------------------------------------------

    def proposals(self, status: Status | None = None) -> list[Proposal]:
        """Oldest first; all of them, or those with `status`."""
        query = (
            "SELECT p.entry, p.status, p.proposer, p.created_at, p.decided_by, p.reason, "
            "(SELECT COUNT(*) FROM proposal_support s WHERE s.proposal_id = p.id) "
            "FROM proposals p"
        )
        args: tuple = ()
        if status is not None:
            query, args = query + " WHERE p.status = ?", (status,)
        with self.db.connect() as conn:
            rows = conn.execute(query + " ORDER BY p.created_at, p.id", args).fetchall()
        return [
            Proposal(validate_entry(json.loads(e)), s, who, at, n, by, why)
            for e, s, who, at, by, why, n in rows
        ]

    def get(self, proposal_id: object) -> Proposal:
        found = [p for p in self.proposals() if p.id == proposal_id]
        if not found:
            raise InvalidInputError(f"There is no proposal with id '{proposal_id}'.")
        return found[0]

    # -- people -------------------------------------------------------------------

    def propose(self, entry: dict, proposer: str) -> Proposal:
        """Store a validated proposal as pending; its id must be new everywhere."""
        perspective = validate_entry(entry, source="your proposal")
        taken = {p.id for p in load_registry(self.registry_file)}
        with self.db.connect() as conn:
            exists = conn.execute(
                "SELECT status FROM proposals WHERE id = ?", (perspective.id,)
            ).fetchone()
            if perspective.id in taken or exists:
                raise InvalidInputError(
                    f"A perspective or proposal with id '{perspective.id}' already exists; "
                    "choose another id."
                )
            (pending,) = conn.execute(
                "SELECT COUNT(*) FROM proposals WHERE proposer = ? AND status = 'pending'",
                (proposer,),
            ).fetchone()
            if pending >= MAX_PENDING_PER_PERSON:
                raise InvalidInputError(
                    f"You already have {pending} proposals waiting for review; wait until "
                    "they are decided."
                )
            added = conn.execute(
                "INSERT INTO proposals (id, entry, proposer, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO NOTHING",
                (
                    perspective.id,
                    json.dumps(perspective.model_dump(mode="json")),
                    proposer,
                    time.time(),
                ),
            )
            if added.rowcount != 1:  # someone else, a moment ago
                raise InvalidInputError(
                    f"A proposal with id '{perspective.id}' already exists; choose another id."
                )
        return self.get(perspective.id)

    def support(self, proposal_id: object, person: str, needed: int = 0) -> Proposal:
        """One person's support for a pending proposal (again: no change). With
        `needed` > 0, the proposal is accepted once that many people support it."""
        proposal = self.get(check_text(proposal_id, "The proposal id", max_chars=64))
        if proposal.status != "pending":
            raise InvalidInputError(f"Proposal '{proposal.id}' is already {proposal.status}.")
        if person == proposal.proposer:
            raise InvalidInputError("Support has to come from someone other than the proposer.")
        with self.db.connect() as conn:
            conn.execute(
                "INSERT INTO proposal_support (proposal_id, person, created_at) "
                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (proposal.id, person, time.time()),
            )
        proposal = self.get(proposal.id)
        if needed > 0 and proposal.supporters >= needed:
            return self.decide(proposal.id, True, f"{proposal.supporters} supporters")
        return proposal

    # -- the operator -------------------------------------------------------------

    def decide(self, proposal_id: object, accept: bool, by: str, reason: str = "") -> Proposal:
        """Accept (append to the registry file, then mark) or reject a pending proposal."""
        proposal = self.get(proposal_id)
        if proposal.status != "pending":
            raise InvalidInputError(f"Proposal '{proposal.id}' is already {proposal.status}.")
        if accept:
            try:
                add_perspective(proposal.perspective.model_dump(mode="json"), self.registry_file)
            except ConfigError as exc:
                if "already exists" not in str(exc):  # an earlier accept got this far
                    raise
        with self.db.connect() as conn:
            conn.execute(
                "UPDATE proposals SET status = ?, decided_at = ?, decided_by = ?, reason = ? "
                "WHERE id = ? AND status = 'pending'",
                (
                    "accepted" if accept else "rejected",
                    time.time(),
                    by,
                    reason or None,
                    proposal.id,
                ),
            )
        return self.get(proposal.id)

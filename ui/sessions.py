"""A page's session: who is on it and the settings they chose, within the operator's
bounds. The browser keeps only signed tokens (agent.sessions); this is the server's side."""

from __future__ import annotations

from typing import TypedDict, TypeGuard

from agent.errors import InvalidInputError

NO_SESSION = "This needs the Clarion page: reload it and try again."


class Settings(TypedDict):
    """One person's choices (agent.api.PER_SESSION), within the operator's Bounds."""

    context: str
    samples: int
    readings: int


class Session(TypedDict):
    """A page's session (a gr.State only the server writes): who, and their settings."""

    person: str
    settings: Settings


class Bounds:
    """What a person may choose for their own session, set by the operator (CLI flags)."""

    def __init__(self, profiles: list[str], max_samples: int = 8, max_readings: int = 4):
        self.profiles = sorted(set(profiles))
        self.max_samples = max_samples
        self.max_readings = max_readings

    def check(self, context: object, samples: object, readings: object) -> Settings:
        """Settings within bounds, or InvalidInputError saying which one is not."""
        if not isinstance(context, str) or context not in self.profiles:
            raise InvalidInputError(f"Choose a context profile from the list: {self.profiles}.")
        return {
            "context": context,
            "samples": _whole("samples", samples, self.max_samples),
            "readings": _whole("readings", readings, self.max_readings),
        }


def _whole(name: str, value: object, top: int) -> int:
    """`value` as a whole number from 1 to `top` (a slider sends floats), or why not."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidInputError(f"{name}: give a whole number from 1 to {top}.")
    if not 1 <= value <= top or int(value) != value:
        raise InvalidInputError(f"{name}: give a whole number from 1 to {top}.")
    return int(value)


def session_ok(session: object) -> TypeGuard[Session]:
    """A session the page's load event opened (a gr.State only the server writes)."""
    return isinstance(session, dict) and isinstance(session.get("person"), str)

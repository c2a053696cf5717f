"""The routing policy: which move a turn makes, decided component by component.

Never a weighted sum: each uncertainty component has its own threshold in the context
profile, and the checks run in a fixed order of what the user most needs to know:
  1. value_conflict, on a value-laden question  -> perspectives (no single right answer)
     semantic_entropy, on a value-laden question -> perspectives too: answers that scatter
     on a normative question show no consensus, and hedging "I don't know" there would
     wrongly call a question of values a gap in knowledge
  2. ambiguity, with readings to offer, under the clarify cap -> clarify (ask, don't guess)
  3. epistemic or semantic_entropy              -> hedge (the model itself is unsure)
  4. otherwise                                  -> answer
A move the profile does not allow is skipped, and the reason says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, NamedTuple, get_args

from uncertainty.report import COMPONENT_NAMES, ComponentName

if TYPE_CHECKING:
    from agent.profiles import ContextProfile

Move = Literal["answer", "hedge", "clarify", "perspectives"]
"""The four moves: the one definition (the graph's move nodes, Reply.kind, profiles,
the UI, the CLI and eval derive from it)."""
MOVES: tuple[Move, ...] = get_args(Move)


class Trigger(NamedTuple):
    value: float
    threshold: float


@dataclass
class Route:
    move: Move
    reason: str
    triggers: dict[ComponentName, Trigger] = field(default_factory=dict)
    """component -> (value, threshold) for each component that crossed its threshold."""


def _fmt(name: str, value: float, threshold: float, crossed: bool) -> str:
    return f"{name} {value:.2f} {'>=' if crossed else '<'} {threshold:.2f}"


def route(
    vector: dict[ComponentName, float],
    profile: ContextProfile,
    *,
    clarify_rounds: int,
    value_laden: bool,
    has_options: bool,
) -> Route:
    """Pick the move for an uncertainty vector under a context profile."""
    missing = [c for c in COMPONENT_NAMES if c not in vector]
    if missing:
        raise ValueError(f"uncertainty vector lacks {', '.join(missing)}")
    thr = profile.thresholds
    crossed = {
        c: Trigger(float(vector[c]), float(thr[c]))
        for c in COMPONENT_NAMES
        if float(vector[c]) >= float(thr[c])
    }
    allowed = profile.allowed_moves
    tag = f"(profile {profile.name})"
    notes: list[str] = []  # why an earlier move was not taken, carried into the reason

    def done(move: Move, reason: str) -> Route:
        text = "; ".join([reason, *notes]) if notes else reason
        return Route(move, text, dict(crossed))

    if "value_conflict" in crossed:
        vc = _fmt("value_conflict", *crossed["value_conflict"], True)
        if not value_laden:
            notes.append(f"{vc} but the question is not value-laden, so no perspectives")
        elif "perspectives" not in allowed:
            notes.append(f"{vc} but move 'perspectives' is not allowed in profile {profile.name}")
        else:
            return done("perspectives", f"{vc} {tag}; the question is value-laden")
    elif value_laden and "semantic_entropy" in crossed and "perspectives" in allowed:
        se = _fmt("semantic_entropy", *crossed["semantic_entropy"], True)
        return done(
            "perspectives",
            f"{se} {tag} on a value-laden question; the answers "
            "reach no consensus, so none is imposed",
        )

    if "ambiguity" in crossed:
        amb = _fmt("ambiguity", *crossed["ambiguity"], True)
        cap = profile.max_clarify_rounds
        if not has_options:
            notes.append(f"{amb} but no differing readings to offer")
        elif clarify_rounds >= cap:
            notes.append(f"{amb} but the clarify cap is reached ({clarify_rounds} of {cap} rounds)")
        elif "clarify" not in allowed:
            notes.append(f"{amb} but move 'clarify' is not allowed in profile {profile.name}")
        else:
            return done(
                "clarify",
                f"{amb} {tag}; readings lead to different answers "
                f"(round {clarify_rounds + 1} of {cap})",
            )

    unsure: list[ComponentName] = [c for c in ("epistemic", "semantic_entropy") if c in crossed]
    if unsure:
        parts = " and ".join(_fmt(c, *crossed[c], True) for c in unsure)
        if "hedge" in allowed:
            return done("hedge", f"{parts} {tag}; the model is unsure")
        notes.append(f"{parts} but move 'hedge' is not allowed in profile {profile.name}")

    if notes:
        return done("answer", f"answer {tag}")
    calm = ", ".join(_fmt(c, float(vector[c]), float(thr[c]), False) for c in COMPONENT_NAMES)
    return done("answer", f"all components below threshold {tag}: {calm}")

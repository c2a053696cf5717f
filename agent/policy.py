"""The routing policy: which move a turn makes, decided component by component.

Never a weighted sum: each uncertainty component is one value from one estimator
(Component.estimator, in Component.unit) and has its own threshold, in that unit, in the
context profile. With the learned judges (agent/judges.py, the default) three components
are probabilities and the checks run in a fixed order of what the user most needs:
  1. value_conflict = P(contested) >= threshold, perspectives voiced -> perspectives
  2. ambiguity = P(needs clarifying) >= threshold, under the clarify cap -> clarify: with
     the readings whose answers differ as options when there are any, else an open
     question (the typed reply resumes the thread)
  3. epistemic = P(the model's own answer is wrong) >= threshold -> hedge
  4. otherwise -> answer
semantic_entropy (sampled, nats) is reported and never routes: it pools the ambiguity
term (Hou et al. 2024), so readings that each get one consistent answer would look like
the model being unsure, and on a value question it measures persona scatter, not value
conflict. Its profile threshold only marks the value in reasons. The sampled estimates of
the judged components stay in each component's evidence. A move the profile does not
allow is skipped, and the reason says so.
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
ROUTED: tuple[ComponentName, ...] = ("value_conflict", "ambiguity", "epistemic")
"""The components the policy compares, in the order it checks them."""


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
        for c in ROUTED
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
            notes.append(f"{vc} but no perspectives were voiced")
        elif "perspectives" not in allowed:
            notes.append(f"{vc} but move 'perspectives' is not allowed in profile {profile.name}")
        else:
            return done("perspectives", f"{vc} {tag}; reasonable value positions disagree")

    if "ambiguity" in crossed:
        amb = _fmt("ambiguity", *crossed["ambiguity"], True)
        cap = profile.max_clarify_rounds
        if clarify_rounds >= cap:
            notes.append(f"{amb} but the clarify cap is reached ({clarify_rounds} of {cap} rounds)")
        elif "clarify" not in allowed:
            notes.append(f"{amb} but move 'clarify' is not allowed in profile {profile.name}")
        else:
            how = "readings lead to different answers" if has_options else "an open question"
            return done(
                "clarify",
                f"{amb} {tag}; the request needs clarifying: {how} "
                f"(round {clarify_rounds + 1} of {cap})",
            )

    if "epistemic" in crossed:
        ep = _fmt("epistemic", *crossed["epistemic"], True)
        if "hedge" in allowed:
            return done("hedge", f"{ep} {tag}; the model is unsure")
        notes.append(f"{ep} but move 'hedge' is not allowed in profile {profile.name}")

    if notes:
        return done("answer", f"answer {tag}")
    calm = ", ".join(_fmt(c, float(vector[c]), float(thr[c]), False) for c in ROUTED)
    calm += f"; semantic_entropy {float(vector['semantic_entropy']):.2f} (reported, not routed)"
    return done("answer", f"all components below threshold {tag}: {calm}")

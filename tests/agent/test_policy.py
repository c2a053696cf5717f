import pytest

from agent.policy import Route, route
from agent.profiles import ContextProfile

LOW = {"semantic_entropy": 0.1, "epistemic": 0.1, "ambiguity": 0.0, "value_conflict": 0.0}


def profile(**changes) -> ContextProfile:
    data = {
        "name": "test",
        "description": "d",
        "max_clarify_rounds": 2,
        "thresholds": {
            "semantic_entropy": 1.0,
            "epistemic": 0.8,
            "ambiguity": 0.3,
            "value_conflict": 0.3,
        },
        "allowed_moves": {"answer", "hedge", "clarify", "perspectives"},
    }
    data.update(changes)
    return ContextProfile.model_validate(data)


def go(vector=None, prof=None, rounds=0, value_laden=False, options=False, **v) -> Route:
    return route(
        {**LOW, **(vector or {}), **v},
        prof or profile(),
        clarify_rounds=rounds,
        value_laden=value_laden,
        has_options=options,
    )


def test_answer_when_calm():
    r = go()
    assert r.move == "answer" and r.triggers == {}
    assert "all components below threshold (profile test)" in r.reason
    assert "ambiguity 0.00 < 0.30" in r.reason


def test_each_move_reachable():
    assert go(value_conflict=0.5, value_laden=True).move == "perspectives"
    assert go(ambiguity=0.5, options=True).move == "clarify"
    assert go(epistemic=0.9).move == "hedge"


def test_threshold_is_inclusive():
    assert go(epistemic=0.8).move == "hedge"
    assert go(epistemic=0.79).move == "answer"


def test_order_perspectives_before_clarify_before_hedge():
    everything = dict(value_conflict=0.9, ambiguity=0.9, epistemic=2.0, semantic_entropy=2.0)
    r = go(value_laden=True, options=True, **everything)
    assert r.move == "perspectives"
    assert set(r.triggers) == {"value_conflict", "ambiguity", "epistemic"}  # SE never routes
    assert go(value_laden=False, options=True, **everything).move == "clarify"
    assert go(value_laden=False, options=True, rounds=2, **everything).move == "hedge"


def test_value_conflict_needs_perspectives_voiced():
    r = go(value_conflict=0.9)
    assert r.move == "answer" and "no perspectives were voiced" in r.reason
    assert r.triggers == {"value_conflict": (0.9, 0.3)}


def test_clarify_fires_without_readings_as_an_open_question():
    r = go(ambiguity=0.5, options=False)
    assert r.move == "clarify" and "an open question" in r.reason
    assert "readings lead to different answers" in go(ambiguity=0.5, options=True).reason


def test_semantic_entropy_never_routes():
    """Defects 1 and 2 of issue 14: scattered answers on a value question are no value
    conflict, and pooled SE (which contains the ambiguity term) is no reason to hedge."""
    r = go(semantic_entropy=3.0, value_laden=True)
    assert r.move == "answer" and r.triggers == {}
    assert "semantic_entropy 3.00 (reported, not routed)" in r.reason
    # readings that each get one consistent answer: SE high, epistemic 0 -> no hedge
    assert go(semantic_entropy=1.18, epistemic=0.0, ambiguity=0.2).move == "answer"


def test_clarify_cap():
    assert go(ambiguity=0.5, options=True, rounds=1).move == "clarify"
    r = go(ambiguity=0.5, options=True, rounds=2)
    assert r.move == "answer" and "clarify cap is reached (2 of 2 rounds)" in r.reason
    r = go(ambiguity=0.5, options=True, rounds=2, epistemic=1.0)
    assert r.move == "hedge" and "cap is reached" in r.reason
    assert go(ambiguity=0.5, options=True, prof=profile(max_clarify_rounds=0)).move == "answer"


def test_disallowed_moves_fall_through():
    only_answer = profile(allowed_moves={"answer"})
    r = go(
        value_conflict=0.9,
        value_laden=True,
        ambiguity=0.9,
        options=True,
        epistemic=2.0,
        prof=only_answer,
    )
    assert r.move == "answer"
    for move in ("perspectives", "clarify", "hedge"):
        assert f"move '{move}' is not allowed in profile test" in r.reason
    no_persp = profile(allowed_moves={"answer", "hedge"})
    assert go(value_conflict=0.9, value_laden=True, epistemic=1.0, prof=no_persp).move == "hedge"


def test_reason_names_component_value_threshold_profile():
    r = go(ambiguity=0.52, options=True)
    assert r.reason.startswith("ambiguity 0.52 >= 0.30 (profile test)")
    assert r.triggers == {"ambiguity": (0.52, 0.3)}
    r = go(epistemic=0.9, semantic_entropy=1.5)
    assert r.reason.startswith("epistemic 0.90 >= 0.80 (profile test); the model is unsure")
    r = go(value_conflict=0.41, value_laden=True)
    assert r.reason.startswith("value_conflict 0.41 >= 0.30 (profile test)")


def test_missing_component_rejected():
    with pytest.raises(ValueError, match="lacks ambiguity"):
        route(
            {"semantic_entropy": 0, "epistemic": 0, "value_conflict": 0},
            profile(),
            clarify_rounds=0,
            value_laden=False,
            has_options=False,
        )


def test_shipped_profiles_route_the_same_vector_differently():
    from agent.profiles import load_profile

    general, health, education = (load_profile(n) for n in ("general", "health", "education"))
    between = (general.thresholds["epistemic"] + health.thresholds["epistemic"]) / 2
    assert health.thresholds["epistemic"] < general.thresholds["epistemic"]
    assert go({**LOW, "epistemic": between}, general).move == "answer"
    assert go({**LOW, "epistemic": between}, health).move == "hedge"
    amb = (general.thresholds["ambiguity"] + education.thresholds["ambiguity"]) / 2
    assert go({**LOW, "ambiguity": amb}, general).move == "answer"
    assert go({**LOW, "ambiguity": amb}, education).move == "clarify"
    # health asks for stronger evidence before showing perspectives
    vc = (general.thresholds["value_conflict"] + health.thresholds["value_conflict"]) / 2
    assert go({**LOW, "value_conflict": vc}, general, value_laden=True).move == "perspectives"
    assert go({**LOW, "value_conflict": vc}, health, value_laden=True).move != "perspectives"

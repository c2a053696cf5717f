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
    assert go(semantic_entropy=1.2).move == "hedge"


def test_threshold_is_inclusive():
    assert go(epistemic=0.8).move == "hedge"
    assert go(epistemic=0.79).move == "answer"


def test_order_perspectives_before_clarify_before_hedge():
    everything = dict(value_conflict=0.9, ambiguity=0.9, epistemic=2.0, semantic_entropy=2.0)
    r = go(value_laden=True, options=True, **everything)
    assert r.move == "perspectives" and set(r.triggers) == set(LOW)
    assert go(value_laden=False, options=True, **everything).move == "clarify"
    assert go(value_laden=False, options=False, **everything).move == "hedge"


def test_value_conflict_needs_value_laden():
    r = go(value_conflict=0.9)
    assert r.move == "answer" and "not value-laden" in r.reason
    assert r.triggers == {"value_conflict": (0.9, 0.3)}


def test_clarify_needs_options():
    r = go(ambiguity=0.5, options=False)
    assert r.move == "answer" and "no differing readings" in r.reason


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
    assert "epistemic 0.90 >= 0.80 and semantic_entropy 1.50 >= 1.00 (profile test)" in r.reason
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

    vector = {**LOW, "epistemic": 0.6}
    assert go(vector, load_profile("general")).move == "answer"
    assert go(vector, load_profile("health")).move == "hedge"


def test_scattered_answers_on_a_value_laden_question_show_perspectives():
    r = go(semantic_entropy=2.2, epistemic=1.4, value_laden=True)
    assert r.move == "perspectives"
    assert r.reason.startswith("semantic_entropy 2.20 >= 1.00 (profile test) on a value-laden")
    # the same scatter on a factual question is the model being unsure
    assert go(semantic_entropy=2.2, epistemic=1.4).move == "hedge"
    # a request with readings to offer on a value-laden question still prefers perspectives
    assert (
        go(semantic_entropy=2.2, ambiguity=0.9, options=True, value_laden=True).move
        == "perspectives"
    )

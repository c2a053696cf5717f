"""The stopping rule of adaptive N: a cell stops once its meaning clusters have settled."""

import math

from uncertainty.settling import TOLERANCE, cell_settled, modal, pooled_entropy, settling


def test_unanimous_cells_stop_after_the_first_round():
    s = settling({"r1": [0, 0], "r2": [1, 1]})
    assert s.stop and s.answers == 4 and s.previous_entropy is None
    assert s.modes == {"r1": 0, "r2": 1} and s.settled == {"r1": True, "r2": True}
    assert math.isclose(s.entropy, math.log(2))


def test_a_split_cell_or_a_single_answer_goes_on_after_the_first_round():
    s = settling({"r1": [0, 1], "r2": [2, 2]})
    assert not s.stop and s.settled == {"r1": False, "r2": True}
    assert "1 of 2" in s.reason
    assert not settling({"r1": [0]}).stop  # one answer says nothing about agreement
    assert not settling({}).stop


def test_later_rounds_stop_when_modes_hold_and_the_entropy_is_stable():
    before = {"p1": [0, 0, 1], "p2": [2, 2]}
    now = {"p1": [0, 0, 1, 0], "p2": [2, 2]}  # p2 settled in round 1, not drawn again
    s = settling(now, before)
    assert s.stop, s.reason
    assert s.settled == {"p1": True, "p2": True}


def test_a_changed_or_tied_mode_goes_on():
    assert not cell_settled([0, 1], [0])  # tied now
    assert cell_settled([0, 1, 1, 1], [0, 1, 1])  # mode 1 both times, entropy moved little
    assert not cell_settled([0, 0, 1, 1, 1], [0, 0, 1])  # the mode flipped


def test_a_large_entropy_move_goes_on():
    assert not cell_settled([0, 0, 0, 1, 2, 3], [0, 0, 0])
    assert abs(pooled_entropy({"a": [0, 0, 0, 1]}) - pooled_entropy({"a": [0, 0, 0]})) > TOLERANCE


def test_helpers():
    assert modal([3, 3, 1]) == 3 and modal([1, 2]) is None and modal([]) is None
    assert pooled_entropy({}) == 0.0
    assert pooled_entropy({"a": [0], "b": [0]}) == 0.0

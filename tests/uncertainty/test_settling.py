"""The stopping rule of adaptive N: stop once the meaning clusters have settled."""

import math

from uncertainty.settling import TOLERANCE, modal, pooled_entropy, settling


def test_unanimous_cells_stop_after_the_first_round():
    s = settling({"r1": [0, 0], "r2": [1, 1]})
    assert s.stop and s.answers == 4 and s.previous_entropy is None
    assert s.modes == {"r1": 0, "r2": 1}
    assert math.isclose(s.entropy, math.log(2))


def test_a_split_cell_or_a_single_answer_goes_on_after_the_first_round():
    assert not settling({"r1": [0, 1], "r2": [2, 2]}).stop
    assert not settling({"r1": [0]}).stop  # one answer says nothing about agreement
    assert not settling({}).stop


def test_later_rounds_stop_when_modes_hold_and_the_entropy_is_stable():
    before = {"p1": [0, 0, 1], "p2": [2, 2, 2]}
    now = {"p1": [0, 0, 1, 0], "p2": [2, 2, 2, 2]}
    s = settling(now, before)
    assert s.stop, s.reason
    assert abs(s.entropy - s.previous_entropy) <= TOLERANCE


def test_a_changed_or_tied_mode_goes_on():
    assert not settling({"r1": [0, 1]}, {"r1": [0]}).stop  # tied now
    changed = settling({"r1": [0, 1, 1, 1]}, {"r1": [0, 1, 1]})
    assert changed.stop  # mode 1 both times, entropy moved little
    flipped = settling({"r1": [0, 0, 1, 1, 1]}, {"r1": [0, 0, 1]})
    assert not flipped.stop and "modal meaning" in flipped.reason


def test_a_large_entropy_move_goes_on():
    s = settling({"a": [0, 0, 0, 1, 2, 3]}, {"a": [0, 0, 0]})
    assert not s.stop and "moved" in s.reason


def test_helpers():
    assert modal([3, 3, 1]) == 3 and modal([1, 2]) is None and modal([]) is None
    assert pooled_entropy({}) == 0.0
    assert pooled_entropy({"a": [0], "b": [0]}) == 0.0

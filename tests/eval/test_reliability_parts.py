"""The reliability harness's own machinery: it must see what it claims to count."""

from hypothesis import strategies as st

from eval.reliability.fuzz import Tally, drive
from eval.reliability.load import percentile
from eval.reliability.world import AMBIGUOUS, SLOW, ScriptedBackend, script


def test_drive_counts_crashes_and_the_tally_sees_tracebacks():
    tally = Tally()
    drive(tally, "boom", st.integers(), 5, lambda value: 1 / 0)
    assert tally.inputs == 5 and tally.crashes == 5
    assert tally.per_target == {"boom": 5} and "ZeroDivisionError" in tally.examples[0]
    tally.shown("t", "x", 'Traceback (most recent call last):\n  File "a.py"', error=True)
    tally.shown("t", "x", "KeyError: 'reply'", error=True)
    tally.shown("t", "x", "The message is empty: type a question.", error=True)
    assert (tally.tracebacks_shown, tally.unclear_errors, tally.refused) == (1, 1, 3)


def test_scripted_world_echoes_clarifies_and_is_slow_only_when_asked():
    assert script([{"role": "user", "content": "Who? [s1-t2]"}]) == ["You asked: Who? [s1-t2]"]
    from agent.templates import render

    readings = script([{"role": "user", "content": render("interpret", question=AMBIGUOUS)}])
    assert len(readings) == 2 and readings[0] != readings[1]
    backend = ScriptedBackend(delay_s=5.0)
    import time

    started = time.monotonic()
    backend.greedy([{"role": "user", "content": "fast"}])
    assert time.monotonic() - started < 1.0
    assert SLOW == "[slow]"


def test_percentiles():
    assert percentile([], 50) is None and percentile([2.0], 95) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5

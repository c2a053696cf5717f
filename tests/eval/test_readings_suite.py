"""The readings suite's scoring: shares of requests whose readings survive, per system."""

from __future__ import annotations

import pytest

from eval.suites.readings import SYSTEMS, ReadingsSuite


def _record(dataset, adapter, prompted):
    return {
        "id": f"{dataset}-{len(adapter)}-{len(prompted)}",
        "dataset": dataset,
        "label": "ambiguous",
        "message": "Who won?",
        "meta": {},
        "adapter_load_s": 2.0,
        "systems": {
            SYSTEMS[0]: {"readings": ["Who won?", *adapter], "seconds": 1.0},
            SYSTEMS[1]: {"readings": ["Who won?", *prompted], "seconds": 0.5},
        },
    }


def test_shares_count_requests_with_surviving_readings():
    records = [
        _record("ambignq", ["Who won in 2020?", "Who won in 2016?"], []),
        _record("ambignq", ["Who won the cup?"], ["Who won the race?"]),
        _record("clamber", [], []),
        _record("clamber", ["Who won the vote?"], []),
    ]
    scores = ReadingsSuite().score(records, seed=0)
    two, three, counts = scores["tables"]
    rows = {r[0]: r for r in two["rows"]}
    assert rows["all"][1] == 4
    assert rows["all"][2]["value"] == pytest.approx(0.75)  # adapter: 3 of 4 have a rewrite
    assert rows["all"][3]["value"] == pytest.approx(0.25)  # prompting: 1 of 4
    assert rows["all"][4]["value"] == pytest.approx(0.5)  # the paired difference
    assert {r[0]: r[2]["value"] for r in three["rows"]}["ambignq"] == pytest.approx(0.5)
    assert {r[0]: r[2]["value"] for r in counts["rows"]}["all"] == pytest.approx(1.0)


def test_only_ambiguous_test_rows_are_asked(data_dir):
    from eval.splits import split_of_text

    selected = ReadingsSuite().select(data_dir, limit=5, seed=0)
    assert {r["dataset"] for r in selected} == {"ambignq", "ambient", "clamber"}
    assert all(r["label"] == "ambiguous" for r in selected)
    assert all(split_of_text(r["text"]) == "test" for r in selected)

"""Each loader on the real files (skipped when ../shared/data is absent)."""

from collections import Counter

import pytest

from eval.data import DATASETS
from eval.suites.base import binary_row


def load(name, data_dir):
    return DATASETS[name].load(data_dir)


def test_clamber_double_encoded_rows_and_stored_baseline(data_dir):
    items = load("clamber", data_dir)
    assert len(items) == 3202 and Counter(i.label for i in items) == {
        "ambiguous": 1601,
        "clear": 1601,
    }
    assert items[0].text == "Give me a list of good coffee shops?"
    y = [i.meta["require_clarification"] for i in items]
    row = binary_row("stored", y, [i.meta["predict_ambiguous"] for i in items], None, seed=0)
    assert [round(v, 3) for v in row[2:5]] == [0.538, 0.577, 0.284]
    assert round(row[5]["value"], 3) == 0.380


def test_ambignq_labels_and_gold_answers(data_dir):
    items = load("ambignq", data_dir)
    assert Counter(i.label for i in items) == {"ambiguous": 1172, "single": 830}
    first = items[0]
    assert first.text == "Who plays the doctor in dexter season 1?"
    assert first.meta["answers"] == ["Goldwyn", "Tony Goldwyn"]


def test_ambient_both_splits(data_dir):
    items = load("ambient", data_dir)
    counts = Counter((i.meta["split"], i.label) for i in items)
    assert counts == {
        ("dev", "ambiguous"): 36,
        ("dev", "clear"): 64,
        ("test", "ambiguous"): 543,
        ("test", "clear"): 1002,
    }
    assert items[0].meta["hypothesis"].startswith("I asked the participant")


def test_globalopinionqa_contested_rows(data_dir):
    items = load("globalopinionqa", data_dir)
    assert len(items) == 5752
    assert Counter(i.label for i in items)["contested"] == 3249
    first = items[0]
    assert not first.text.endswith("Answer:") and "Options:" in first.text
    assert len(first.meta["options"]) == len(first.meta["distribution"])


def test_moralchoice_low_and_high(data_dir):
    items = load("moralchoice", data_dir)
    assert Counter(i.label for i in items) == {"low": 687, "high": 680}
    assert items[0].meta["action1"].startswith("I follow the surgical procedures")


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_data_files_are_hashed(name, data_dir):
    records = DATASETS[name].records(data_dir)
    assert all(len(r["sha256"]) == 64 and r["bytes"] > 0 for r in records)

"""Signals of eval records: judges on every row, sampled estimates only where sampled."""

from eval.suites.base import signal_auroc_table, signal_names, signals
from eval.suites.selective import SelectiveSuite

JUDGES = {"ambiguity": "nc-v1", "value_conflict": "c-v1", "epistemic": "lw-v1"}


def record(p_wrong: float, sampled: float | None) -> dict:
    """A Clarion record: sampled (sampled_vector holds the sampled estimates) or answered
    by the greedy probe (no sampled estimates; semantic_entropy = greedy token entropy)."""
    vec = {"semantic_entropy": 0.5, "epistemic": p_wrong, "ambiguity": 0.1, "value_conflict": 0.0}
    estimators = {**JUDGES, "semantic_entropy": "sampled"}
    if sampled is None:
        estimators["semantic_entropy"] = "greedy_token_entropy"
        return {"kind": "answer", "vector": vec, "estimators": estimators, "sampled_vector": {}}
    flat = dict.fromkeys(vec, sampled)
    return {"kind": "hedge", "vector": vec, "estimators": estimators, "sampled_vector": flat}


def test_an_unsampled_record_has_judge_signals_and_no_sampled_ones():
    got = signals(record(0.7, None))
    assert got["epistemic (lw-v1)"] == 0.7
    assert "semantic_entropy (greedy_token_entropy)" in got
    assert not [n for n in got if n.endswith("(sampled)")]


def test_partial_signals_are_scored_on_the_rows_that_have_them():
    recs = [
        {"clarion": record(p, s), "y": y}
        for p, s, y in [
            (0.9, 1.0, 1),
            (0.8, None, 1),
            (0.2, 0.1, 0),
            (0.1, None, 0),
            (0.7, 0.2, 1),
            (0.3, 0.9, 0),
        ]
    ]
    assert "epistemic (lw-v1)" in signal_names(recs)  # on every row
    assert "epistemic (sampled)" not in signal_names(recs)
    assert "epistemic (sampled)" in signal_names(recs, every=False)
    table = signal_auroc_table("t", {"all": recs}, lambda r: r["y"], seed=0)
    cols = table["columns"]
    row = dict(zip(cols, table["rows"][0], strict=True))
    assert row["n"] == 6 and row["n sampled"] == 4
    assert row["epistemic (lw-v1)"]["value"] == 1.0


def test_selective_reports_the_hedge_judge_on_every_row():
    recs = []
    for i, (p, s, right) in enumerate(
        [(0.9, 1.0, False), (0.8, None, False), (0.2, 0.1, True), (0.1, None, True)]
    ):
        rec = record(p, s)
        recs.append(
            {
                "id": str(i),
                "clarion": rec,
                "clarion_match": "exact" if right else None,
                "baseline": None,
            }
        )
    rows = SelectiveSuite().score(recs, seed=0)["tables"][0]["rows"]
    first = rows[0]
    assert first[0] == "Clarion: epistemic (lw-v1) (drives hedge)" and first[1] == 4
    sampled = next(r for r in rows if r[0].startswith("Clarion: epistemic (sampled)"))
    assert sampled[1] == 2 and "the 2 rows that have it" in sampled[0]

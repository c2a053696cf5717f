"""The clarifying-questions suite on real CLAMBER rows with a fake embedder (no model)."""

import json

import pytest

from eval.harness import Harness
from eval.runner import RunOptions, run_suite
from eval.suites.clarifying_questions import CLARION, GENERIC, RETRIEVAL
from tests.agent.fake_embedder import FakeEmbedder

split_of_text = pytest.importorskip("eval.splits").split_of_text  # lands with the judges branch


def test_suite_scores_test_rows_against_gold_questions(tmp_path, fake_harness, data_dir):
    embedder = FakeEmbedder(dim=384)  # the shipped kind model reads 384 dims
    harness = Harness(agent=fake_harness.agent, backend=None, embedder=embedder)
    harness.show_progress = False
    opts = RunOptions(
        "clarifying-questions", data_dir, tmp_path / "cq", limit=8, seed=0, progress=False
    )
    run_suite(opts, harness)
    saved = json.loads((tmp_path / "cq" / "results.json").read_text())
    records = saved["records"]
    assert len(records) == 8 and len({r["subclass"] for r in records}) == 8  # one per kind
    assert all(split_of_text(r["text"]) == "test" for r in records)
    assert all(r["questions"]["generic"] == GENERIC and r["gold"] for r in records)
    assert all(RETRIEVAL in r["questions"] for r in records)
    overall = saved["scores"]["tables"][0]
    assert [row[0] for row in overall["rows"]][0] == CLARION
    gain = saved["scores"]["tables"][1]
    assert gain["rows"][0][0] == "all" and gain["rows"][0][1] == 8
    assert {t["title"] for t in saved["scores"]["tables"]} >= {
        "cosine per CLAMBER category",
        "ROUGE-L per CLAMBER category",
        "per CLAMBER subclass",
    }
    report = (tmp_path / "cq" / "report.md").read_text()
    assert "Clarion minus generic" in report and list((tmp_path / "cq").glob("cosine-*.png"))

"""`python -m eval run` on the real default model and the real Agent (slow: -m model)."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.model


def run_eval(*args, timeout=1200):
    return subprocess.run(
        [sys.executable, "-m", "eval", "run", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def check_report(out_dir, suite, n):
    results = json.loads((out_dir / "results.json").read_text())
    assert results["suite"] == suite and results["n_items"] == n
    assert "SmolLM2" in results["model"] or "smollm2" in results["model"].lower()
    report = (out_dir / "report.md").read_text()
    assert "| Clarion" in report and "sha256" in report
    assert list(out_dir.glob("*.png"))
    return results


def test_dialogues_limit_3_writes_a_valid_report(tmp_path):
    out = run_eval(
        "--suite",
        "dialogues",
        "--limit",
        "3",
        "--samples",
        "2",
        "--timeout",
        "900",
        "--out",
        str(tmp_path),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    results = check_report(tmp_path, "dialogues", 3)
    kinds = {t["clarion"]["kind"] for r in results["records"] for t in r["turns"]}
    assert kinds <= {"answer", "hedge", "clarify", "perspectives"}


def test_selective_limit_3_writes_a_valid_report(tmp_path, data_dir):
    out = run_eval(
        "--suite",
        "selective",
        "--limit",
        "3",
        "--samples",
        "2",
        "--timeout",
        "900",
        "--data",
        str(data_dir),
        "--out",
        str(tmp_path),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    results = check_report(tmp_path, "selective", 3)
    assert all(r["baseline"]["tokens"] > 0 for r in results["records"])

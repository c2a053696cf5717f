"""`python -m eval compare`: two committed runs of the dialogue suite side by side."""

import json
import subprocess
import sys
from pathlib import Path

from eval.compare import compare

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "eval" / "results" / "2026-12-01-server-vs-in-process"
A = RUNS / "in-process" / "results.json"
B = RUNS / "llama-server" / "results.json"


def test_the_committed_side_by_side_run_compares_every_turn():
    out = compare(A, B)
    assert (out["a"]["turns"], out["b"]["turns"], out["compared_turns"]) == (32, 32, 32)
    moves_a, moves_b = out["a"]["moves"], out["b"]["moves"]
    assert out["same_move_share"] == sum(moves_a[k] == moves_b[k] for k in moves_a) / 32
    assert out["a"]["clarion"]["accuracy"] == 0.5625
    assert 0 < out["a"]["median_turn_s"] < out["b"]["median_turn_s"]


def test_a_turn_that_failed_on_one_side_is_left_out_of_the_same_move_share(tmp_path):
    def run(name, kinds):
        turns = [{"clarion": {"kind": k, "seconds": 1.0} if k else {"error": "x"}} for k in kinds]
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"records": [{"id": "d", "turns": turns}]}))
        return path

    out = compare(run("a", ["answer", "hedge", "clarify"]), run("b", ["answer", None, "hedge"]))
    assert (out["b"]["errors"], out["compared_turns"], out["same_move_share"]) == (1, 2, 0.5)


def test_the_command_prints_json():
    done = subprocess.run(
        [sys.executable, "-m", "eval", "compare", str(A), str(B), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["compared_turns"] == 32

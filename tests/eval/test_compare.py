"""`python -m eval compare`: two committed runs of the dialogue suite side by side."""

import json
import subprocess
import sys
from pathlib import Path

from eval.compare import compare

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "eval" / "results" / "2026-12-01-llama-server-vs-in-process"
A = RUNS / "dialogues-in-process" / "results.json"
B = RUNS / "dialogues-llama-server" / "results.json"


def test_moves_are_compared_turn_by_turn_over_the_turns_both_answered():
    out = compare(A, B)
    assert (out["a"]["turns"], out["b"]["turns"], out["b"]["errors"]) == (10, 10, 1)
    assert out["compared_turns"] == 9
    moves_a, moves_b = out["a"]["moves"], out["b"]["moves"]
    same = sum(moves_a[k] == moves_b[k] for k in moves_a if moves_b[k] != "error")
    assert out["same_move_share"] == same / 9
    assert out["a"]["clarion"]["accuracy"] == 0.8
    assert 0 < out["a"]["median_turn_s"] <= out["a"]["mean_turn_s"] * 2


def test_the_command_prints_json():
    done = subprocess.run(
        [sys.executable, "-m", "eval", "compare", str(A), str(B), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["compared_turns"] == 9

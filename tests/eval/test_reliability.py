"""`python -m eval reliability --quick`: the real app (a subprocess on loopback) under
load, kill -9, a locked database, fuzzed input and attacks. CI runs it with the suite."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.reliability
def test_quick_reliability_run_passes_every_bar():
    out = subprocess.run(
        [sys.executable, "-m", "eval", "reliability", "--quick", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.stdout.strip(), out.stderr[-3000:]
    summary = json.loads(out.stdout)
    load, faults, fuzz, attacks = (summary[k] for k in ("load", "faults", "fuzz", "attacks"))
    assert load["turns"] == load["turns_tried"] > 0
    assert load["errors"] == 0 and load["cross_talk"] == 0, load["examples"]
    assert faults["kills"] >= 2 and faults["completed_turns_lost"] == 0, faults
    assert faults["clarify_waits"] >= 1
    assert faults["clarify_answerable_after_restart"] == faults["clarify_waits"], faults
    assert faults["client_disconnect"]["turn_completed_after_disconnect"], faults
    assert faults["database_locked"]["plain"] and faults["database_locked"]["recovered"]
    assert fuzz["inputs"] >= 100 and len(fuzz["per_target"]) >= 10
    assert fuzz["crashes"] == 0 and fuzz["tracebacks_shown"] == 0, fuzz["examples"]
    assert fuzz["history_changed"] == 0, fuzz["examples"]
    assert attacks["tried"] >= 15 and attacks["refused"] == attacks["tried"], [
        c for c in attacks["cases"] if not c["refused"]
    ]
    assert out.returncode == 0

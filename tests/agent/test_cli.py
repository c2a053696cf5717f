import json
import subprocess
import sys

import pytest


def run_cli(*args, timeout=600, env=None):
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_help_lists_the_commands():
    out = run_cli("--help")
    assert out.returncode == 0
    assert all(c in out.stdout for c in ("ask", "chat", "sample", "examples"))


def test_empty_message_is_a_clear_error_not_a_traceback(tmp_path):
    out = run_cli("ask", "  ", "--db", str(tmp_path / "c.sqlite"))
    assert out.returncode == 2
    assert "error: The message is empty" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "c.sqlite").exists()  # rejected before anything was opened


def test_bad_setting_names_the_field(tmp_path):
    out = run_cli("ask", "Hi", "--samples", "0", "--db", str(tmp_path / "c.sqlite"))
    assert out.returncode == 2
    assert "samples" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.model
@pytest.mark.timeout(1800)  # runs the model in subprocesses (each bounded)
def test_sample_json_prints_samples_with_logprobs():
    out = run_cli(
        "sample",
        "What is the capital of France?",
        "--samples",
        "8",
        "--json",
        "--max-new-tokens",
        "24",
        "--seed",
        "0",
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert len(result["samples"]) == 8
    assert all(s["mean_logprob"] <= 0 for s in result["samples"])
    assert "Paris" in result["greedy"]

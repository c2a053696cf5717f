import json
import subprocess
import sys

import pytest


def run_cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "agent", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_help_lists_the_commands():
    out = run_cli("--help")
    assert out.returncode == 0
    assert "ask" in out.stdout and "examples" in out.stdout


@pytest.mark.model
def test_ask_json_prints_samples_with_logprobs():
    out = run_cli("ask", "What is the capital of France?", "--samples", "8", "--json",
                  "--max-new-tokens", "24", "--seed", "0")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert len(result["samples"]) == 8
    assert all(s["mean_logprob"] <= 0 for s in result["samples"])
    assert "Paris" in result["greedy"]


@pytest.mark.model
def test_empty_message_is_a_clear_error_not_a_traceback():
    out = run_cli("ask", "  ")
    assert out.returncode == 2
    assert "error: The message is empty" in out.stderr
    assert "Traceback" not in out.stderr

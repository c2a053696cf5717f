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


def test_a_reply_shows_a_follow_ups_two_readings_of_ambiguity():
    from agent.cli import format_reply
    from agent.reply import Reply
    from uncertainty.judged import JudgeEstimate, unsampled_report

    evidence = {"alone": 0.84, "in_thread": 0.27}
    judges = [
        JudgeEstimate("ambiguity", 0.27, "needs_clarification-v1", "q", ("embedding",), evidence),
        JudgeEstimate("value_conflict", 0.01, "contested-v1", "q", ("embedding",)),
        JudgeEstimate("epistemic", 0.2, "likely_wrong-v1", "q", ("embedding",)),
    ]
    reply = Reply("answer", "47.", "t", "clear", uncertainty=unsampled_report(judges, 0.3, 4))
    line = next(x for x in format_reply(reply).splitlines() if x.startswith("uncertainty:"))
    assert "ambiguity 0.27 probability" in line
    assert "alone 0.84, in its thread 0.27" in line
    assert line.count("in its thread") == 1  # only the judge that read the thread

import subprocess
import sys


def run_cli(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "eval", *args], capture_output=True, text=True, timeout=timeout
    )


def test_help_lists_the_commands():
    out = run_cli("--help")
    assert out.returncode == 0
    assert all(c in out.stdout for c in ("list", "run", "calibrate", "bench"))
    run = run_cli("run", "--help")
    assert "--limit" in run.stdout and "stratified" in run.stdout


def test_list_shows_suites_and_missing_data(tmp_path):
    out = run_cli("list", "--data", str(tmp_path))
    assert out.returncode == 0
    assert "dialogues" in out.stdout and "MISSING data: clamber" in out.stdout


def test_absent_data_skips_the_suite_with_exit_code_zero(tmp_path):
    out = run_cli(
        "run",
        "--suite",
        "selective",
        "--data",
        str(tmp_path / "none"),
        "--out",
        str(tmp_path / "o"),
    )
    assert out.returncode == 0
    assert "skipped: suite 'selective' needs the data set(s) ambignq" in out.stdout
    assert not (tmp_path / "o").exists()


def test_unknown_suite_is_a_plain_error():
    out = run_cli("run", "--suite", "nope")
    assert out.returncode == 1 and "unknown suite 'nope'" in out.stderr
    assert "Traceback" not in out.stderr


def test_bench_forwards_or_explains():
    out = run_cli("bench", "--help")
    assert "bench" in (out.stdout + out.stderr)


def test_report_rescores_stored_results(tmp_path):
    import json

    results = {
        "suite": "selective",
        "description": "d",
        "command": "c",
        "created_utc": "t",
        "model": "m",
        "quantize": "none",
        "context": "general",
        "seed": 0,
        "bootstrap": {"resamples": 1000, "interval": "95%"},
        "limit": 1,
        "limit_rule": "r",
        "n_items": 0,
        "data_files": [],
        "errors": [],
        "extra": {},
        "records": [],
        "scores": {},
        "seconds": {"load": 0, "run": 0, "total": 0},
    }
    (tmp_path / "results.json").write_text(json.dumps(results))
    out = run_cli("report", str(tmp_path / "results.json"))
    assert out.returncode == 0, out.stderr
    assert "Selective answering" in (tmp_path / "report.md").read_text()


def test_json_puts_one_object_on_stdout_and_the_rest_on_stderr(tmp_path):
    import json

    args = ("run", "--suite", "selective", "--data", str(tmp_path / "none"), "--json")
    out = run_cli(*args)
    assert out.returncode == 0
    assert json.loads(out.stdout) == {
        "suite": "selective",
        "n": 0,
        "systems": {},
        "components": {},
        "skipped": True,
    }
    assert "skipped: suite 'selective'" in out.stderr

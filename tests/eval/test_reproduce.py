"""`python -m eval reproduce`: the commands it runs and the table it reads back."""

import json

from eval.reproduce import HEADLINES, RUNS, command, find, table


def test_every_headline_names_a_run_that_exists():
    assert {cell.run for cell in HEADLINES} <= set(RUNS)


def test_a_smaller_limit_replaces_the_fixed_one_and_never_raises_it(tmp_path):
    argv = command("pluralism", tmp_path, tmp_path / "data", 5)
    assert argv[argv.index("--limit") + 1] == "5"
    assert "--out" in argv and str(tmp_path / "pluralism") in argv
    argv = command("pluralism", tmp_path, tmp_path / "data", 500)
    assert argv[argv.index("--limit") + 1] == "30"
    assert command("bench", tmp_path, tmp_path, 5)[-1] == "--json"


def _results(tmp_path, run, tables, **extra):
    (tmp_path / run).mkdir(parents=True)
    body = {"scores": {"tables": tables}, "n_items": 7, "code": "abc1234", "command": "x"}
    (tmp_path / run / "results.json").write_text(json.dumps({**body, **extra}))


def test_the_table_reads_each_cell_from_the_results_and_says_what_is_missing(tmp_path):
    rate = {
        "title": "Rate of the perspectives move",
        "columns": ["set", "n", "Clarion [95% CI]", "single greedy answer"],
        "rows": [
            [
                "MoralChoice low ambiguity (false pluralism)",
                7,
                {"value": 0.1, "lo": 0, "hi": 0.4},
                0,
            ],
            ["MoralChoice high ambiguity (wanted)", 8, {"value": 0.9, "lo": 0.7, "hi": 1.0}, 0],
        ],
    }
    _results(tmp_path, "pluralism", [rate], interrupted=True)
    high = next(c for c in HEADLINES if c.label.endswith("high ambiguity"))
    results = json.loads((tmp_path / "pluralism" / "results.json").read_text())
    assert find(results, high)["value"] == 0.9
    text = table(tmp_path)
    assert f"| {high.label} | 0.900 [0.700, 1.000] | 7 (partial) | `abc1234` |" in text
    assert "| dialogues: move accuracy | not run |" in text
    assert "| bench: same move adaptive vs full | not run |" in text


def test_a_failed_run_makes_the_command_fail_but_the_table_is_still_written(tmp_path, monkeypatch):
    import eval.reproduce as reproduce

    ran = []
    monkeypatch.setattr(
        reproduce, "run_one", lambda name, *a: ran.append(name) or (name == "bench")
    )
    assert reproduce.main(["--out", str(tmp_path), "--only", "dialogues", "bench"]) == 1
    assert ran == ["dialogues", "bench"] and (tmp_path / "README.md").is_file()
    assert reproduce.main(["--out", str(tmp_path), "--only", "dialogues"]) == 0

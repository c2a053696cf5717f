"""The runner, scoring and report on a rule-based fake agent (fast; no model)."""

import json
import subprocess

from eval.report import write_report
from eval.runner import RunOptions, run_suite
from eval.suites import SUITES


def run(suite, tmp_path, harness, data_dir, limit=3):
    opts = RunOptions(
        suite=suite,
        data_dir=data_dir,
        out_dir=tmp_path / suite,
        limit=limit,
        seed=0,
        progress=False,
    )
    results = run_suite(opts, harness)
    saved = json.loads((tmp_path / suite / "results.json").read_text())
    report = (tmp_path / suite / "report.md").read_text()
    return results, saved, report


def test_dialogues_suite_scores_moves_and_writes_a_report(tmp_path, fake_harness):
    results, saved, report = run("dialogues", tmp_path, fake_harness, tmp_path, limit=None)
    assert saved["n_items"] >= 40
    acc = saved["scores"]["tables"][0]["rows"][0]
    assert acc[0] == "Clarion" and 0 < acc[2]["value"] <= 1
    matrix = saved["scores"]["confusion"]["matrix"]
    assert sum(map(sum, matrix)) == sum(len(r["turns"]) for r in saved["records"])
    # a clarify turn is followed by a resumed reply that the fake answers
    login = next(r for r in saved["records"] if r["id"] == "login-handler")
    assert [t["clarion"]["kind"] for t in login["turns"]] == ["clarify", "answer"]
    assert (tmp_path / "dialogues" / "confusion.png").stat().st_size > 1000
    assert "always-answer" in report and "sha256" in report and "![" in report
    # the report traces back to the commit that produced it
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert saved["code"].removesuffix("+dirty") == (head or "unknown (not a git checkout)")
    assert f"| code | `{saved['code']}` |" in report


def test_clarification_suite_on_three_rows_per_set(tmp_path, fake_harness, data_dir):
    _, saved, report = run("clarification", tmp_path, fake_harness, data_dir)
    assert saved["n_items"] == 9
    assert {r["dataset"] for r in saved["records"]} == {"clamber", "ambient", "ambignq"}
    clamber = next(t for t in saved["scores"]["tables"] if t["title"].startswith("clamber"))
    names = [row[0] for row in clamber["rows"]]
    assert names[:2] == ["Clarion (clarify)", "always-answer"]
    full = clamber["rows"][-1]
    assert full[0].endswith("(full file)") and round(full[2], 3) == 0.538
    assert "over-asking" in report and list((tmp_path / "clarification").glob("roc-*.png"))
    tables = {t["title"]: t for t in saved["scores"]["tables"]}
    per_set = tables["Clarion (clarify) per data set"]
    assert [row[0] for row in per_set["rows"]] == ["ambient", "ambignq", "clamber"]
    assert per_set["rows"][2][1:] == clamber["rows"][0][1:]  # the same figures as clamber's table
    groups = tables["Clarion (clarify) on CLAMBER per category and subclass"]["rows"]
    clamber_recs = [r for r in saved["records"] if r["dataset"] == "clamber"]
    cats = {r["meta"]["category"] for r in clamber_recs}
    assert {row[0] for row in groups if " " not in row[0]} == cats
    assert sum(row[1] for row in groups if row[0] in cats) == len(clamber_recs)


def test_selective_suite_reports_aurac_and_prr(tmp_path, fake_harness, data_dir):
    _, saved, _ = run("selective", tmp_path, fake_harness, data_dir, limit=4)
    rows = saved["scores"]["tables"][0]["rows"]
    names = [r[0] for r in rows]
    assert names[0] == "Clarion: epistemic (sampled) (drives hedge)"  # fakes have no judges
    assert "Clarion: semantic_entropy (sampled)" in names and "always-answer (greedy)" in names
    assert all(r["label"] == "single" and r["gold"] for r in saved["records"])
    assert list((tmp_path / "selective").glob("*rejection*.png"))


def test_pluralism_suite_maps_positions_to_options(tmp_path, fake_harness, data_dir):
    _, saved, report = run("pluralism", tmp_path, fake_harness, data_dir, limit=2)
    goqa = [r for r in saved["records"] if r["dataset"] == "globalopinionqa"]
    assert goqa and all(len(r["clarion_dist"]) == len(r["options"]) for r in goqa)
    titles = [t["title"] for t in saved["scores"]["tables"]]
    assert any(t.startswith("Coverage") for t in titles)
    assert {r["label"] for r in saved["records"]} >= {"contested", "low", "high", "factual"}
    assert "embedding similarity" in report


def test_report_can_be_regenerated_from_results_json(tmp_path, fake_harness):
    run("dialogues", tmp_path, fake_harness, tmp_path, limit=4)
    saved = json.loads((tmp_path / "dialogues" / "results.json").read_text())
    path = write_report(saved, tmp_path / "again")
    assert "Move accuracy" in path.read_text()


def test_every_suite_declares_its_data():
    assert set(SUITES) == {
        "dialogues",
        "clarification",
        "clarifying-questions",
        "selective",
        "pluralism",
        "distributional",
        "readings",
    }
    assert all(s.needs() for s in SUITES.values())


def test_calibrate_fits_on_dev_and_writes_a_new_profile(tmp_path, fake_harness):
    from eval.calibrate import calibrate

    opts = RunOptions(
        suite="dialogues",
        data_dir=tmp_path,
        out_dir=tmp_path / "cal",
        limit=12,
        seed=0,
        progress=False,
    )
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "general-dialogues-fit.yaml").write_text("keep me")
    summary = calibrate(opts, profile_dir=tmp_path / "profiles", harness=fake_harness)
    assert "test accuracy" in summary
    assert (tmp_path / "profiles" / "general-dialogues-fit.yaml").read_text() == "keep me"
    assert (tmp_path / "profiles" / "general-dialogues-fit-2.yaml").exists()
    saved = json.loads((tmp_path / "cal" / "results.json").read_text())
    split = saved["calibration"]["split"]
    assert set(split.values()) == {"dev", "test"}


def test_calibrate_can_refit_stored_results_without_a_model(tmp_path, fake_harness):
    from eval.calibrate import calibrate

    run("dialogues", tmp_path, fake_harness, tmp_path, limit=10)
    opts = RunOptions(suite="dialogues", data_dir=tmp_path, out_dir=tmp_path / "refit", seed=1)
    summary = calibrate(
        opts, profile_dir=tmp_path / "p", from_results=tmp_path / "dialogues" / "results.json"
    )
    assert "fitted profile written" in summary
    assert (tmp_path / "refit" / "report.md").read_text().count("Calibration of profile") == 1
    # re-scoring the calibrated results (`python -m eval report`) keeps the calibration
    from eval.cli import main

    assert main(["report", str(tmp_path / "refit" / "results.json")]) == 0
    report = (tmp_path / "refit" / "report.md").read_text()
    assert report.count("Calibration of profile") == 1 and "| test | fitted |" in report


def test_an_interrupted_run_reports_its_finished_items(tmp_path, fake_harness):
    chat, calls = fake_harness.agent.chat, []

    def stop_on_third(message, thread_id=None):
        calls.append(message)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return chat(message, thread_id)

    fake_harness.agent.chat = stop_on_third
    _, saved, report = run("dialogues", tmp_path, fake_harness, tmp_path, limit=None)
    assert saved["interrupted"] and 1 <= saved["n_items"] < saved["n_selected"]
    assert "INTERRUPTED, partial" in report


def test_a_text_ends_a_sentence_only_at_sentence_punctuation():
    from eval.suites.dialogues import ends_a_sentence

    assert ends_a_sentence("It is Paris.") and ends_a_sentence('He said "yes!"')
    assert ends_a_sentence("Use `len()`:") and ends_a_sentence("(see above.)")
    assert not ends_a_sentence("It can also refer to avoiding or not allowing something")


def test_the_json_summary_names_systems_and_components(tmp_path, fake_harness, data_dir):
    from eval.summary import summarize

    _, saved, _ = run("dialogues", tmp_path, fake_harness, tmp_path, limit=None)
    summary = summarize(saved)
    assert summary["suite"] == "dialogues" and summary["n"] == saved["n_items"]
    clarion = summary["systems"]["Clarion"]
    assert 0 < clarion["accuracy"] <= 1 and len(clarion["accuracy_ci"]) == 2
    assert "always-answer" in summary["systems"]
    _, saved, _ = run("clarification", tmp_path, fake_harness, data_dir)
    components = summarize(saved)["components"]
    assert set(components) == {"semantic_entropy", "epistemic", "ambiguity", "value_conflict"}
    assert all(k.startswith("auroc_") for k in components["ambiguity"])
    json.dumps(summarize(saved), allow_nan=False)  # JSON-safe

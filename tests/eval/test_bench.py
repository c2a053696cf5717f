"""The benchmark: fast checks of its arithmetic, and a smoke run on the real model that
asserts only that it produced figures (never a time)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eval.bench.cli import parse_args
from eval.bench.figures import ModelRun
from eval.bench.measures import Counting, pairwise_clusters

ROOT = Path(__file__).resolve().parents[2]


class SameFirstWord:
    def bind(self, question, texts):
        return lambda i, j: texts[i].split()[0] == texts[j].split()[0]


def test_pairwise_clustering_judges_every_pair_and_joins_components():
    judge = Counting(SameFirstWord())
    roots = pairwise_clusters(["Paris a", "Lyon b", "Paris c", "Nice d", "Lyon e"], judge, "q")
    assert judge.calls == 10  # 5 * 4 / 2
    assert roots[0] == roots[2] and roots[1] == roots[4]
    assert len(set(roots)) == 3


def test_ratios_are_of_medians_and_missing_figures_give_none():
    run = ModelRun("m")
    for a, b in ((1.0, 4.0), (2.0, 4.0), (9.0, 4.0)):
        run.add("sampling_batched", a)
        run.add("sampling_sequential", b)
    run.add("llamacpp_sequential", 1.0)
    ratios = run.ratios()
    assert ratios["batched_over_sequential"] == pytest.approx(0.5)
    assert ratios["ours_over_llamacpp"] == pytest.approx(0.5)  # tokens/s: theirs twice ours
    assert ratios["clarion_turn_over_plain_turn"] is None
    figures = run.to_dict(16)["figures"]["sampling_batched"]
    assert (figures["min"], figures["median"], figures["max"]) == (1.0, 2.0, 9.0)


@pytest.mark.parametrize("argv", [["--samples", "1"], ["--repeats", "0"], ["--tokens", "0"]])
def test_nonsense_arguments_are_refused(argv):
    with pytest.raises(SystemExit):
        parse_args(argv)


@pytest.mark.model
def test_short_benchmark_run_produces_every_figure(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "eval.bench",
            "--repeats",
            "1",
            "--samples",
            "2",
            "--tokens",
            "4",
            "--threads",
            "1",
            "--json",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["suite"] == "bench" and result["n"] == 1 and result["components"] == {}
    (system,) = result["systems"].values()
    assert system["sampling_batched_s"] > 0 and system["batched_over_sequential"] > 0
    assert (result["N"], result["T"], result["cpu_count"]) == (2, 4, os.cpu_count())
    for name in (
        "plain_turn",
        "sampling_batched",
        "sampling_sequential",
        "clustering_representative",
        "clustering_pairwise",
    ):
        figure = result["figures"][name]
        assert len(figure["runs"]) == 1 and figure["min"] <= figure["median"] <= figure["max"]
    ratios = result["ratios"]
    for name in ("batched_over_sequential", "representative_over_pairwise"):
        assert ratios[name] > 0
    # the Clarion turn and llama.cpp are either measured or say why they are not
    assert "clarion_turn" in result["figures"] or "clarion_turn" in result["unavailable"]
    assert (ratios["clarion_turn_over_plain_turn"] is None) == (
        "clarion_turn" in result["unavailable"]
    )
    assert (
        "llamacpp_sequential" in result["figures"] or "llamacpp_sequential" in result["unavailable"]
    )
    assert result["notes"]["clustering_pairwise_comparisons"] == 1

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


def test_the_turn_bench_draws_32_prompts_in_four_categories():
    from eval.bench.turns import CATEGORIES, bench_prompts

    prompts = bench_prompts()
    assert len(prompts) == 32 and len(set(prompts)) == 32
    assert {c for c, _ in prompts} == set(CATEGORIES)


def test_turn_ratios_are_per_prompt_medians_and_same_move_is_a_share():
    from eval.bench.turns import PromptRun, TurnBench

    bench = TurnBench(
        [
            PromptRun("clear", "a", 1.0, 1.0, 5.0, "answer", "answer", 10),
            PromptRun("clear", "b", 2.0, 3.0, 4.0, "answer", "hedge", 10),
            PromptRun("ambiguous", "c", 1.0, 6.0, 6.0, "clarify", "clarify", 10),
        ]
    )
    out = bench.to_dict()
    assert out["by_category"]["clear"]["ratio_adaptive"] == {"median": 1.25, "min": 1.0, "max": 1.5}
    assert out["overall"]["ratio_adaptive"]["median"] == 1.5
    assert out["overall"]["same_move_share"] == pytest.approx(2 / 3)
    assert set(out["by_category"]) == {"clear", "ambiguous"}


@pytest.mark.model
@pytest.mark.timeout(1800)  # runs the model in subprocesses (each bounded)
def test_short_benchmark_run_produces_every_figure(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "eval.bench",
            "--per-category",
            "1",
            "--answer-tokens",
            "16",
            "--samples",
            "2",
            "--tokens",
            "4",
            "--threads",
            "1",
            "--no-start",
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
    assert result["suite"] == "bench" and result["n"] == 4 and result["components"] == {}
    systems = result["systems"]
    assert set(systems) == {"plain", "clarion_adaptive", "clarion_full"}
    assert all(s["turn_s"] > 0 and s["over_plain"] > 0 for s in systems.values())
    assert (result["N"], result["T"], result["cpu_count"]) == (2, 4, os.cpu_count())
    ratios = result["ratios"]
    assert ratios["clarion_turn_over_plain_turn"] > 0
    assert set(ratios["by_category"]) == {"clear", "obscure", "ambiguous", "value_laden"}
    assert 0.0 <= result["quality"]["same_move_share"] <= 1.0
    assert len(result["turns"]["prompts"]) == 4
    # llama.cpp is either measured or says why not
    speeds = result["tokens_per_second"]
    assert speeds["default"] > 0
    assert (speeds["llamacpp_create_completion"] is None) == (
        "llamacpp_create_completion" in result["unavailable"]
    )
    assert (ratios["ours_over_llamacpp"] is None) == (speeds["llamacpp_create_completion"] is None)


def test_the_json_summary_names_each_way_of_answering():
    from eval.bench.default import summary
    from eval.bench.turns import PromptRun, TurnBench

    turns = TurnBench([PromptRun("clear", "a", 2.0, 3.0, 8.0, "answer", "hedge", 10)]).to_dict()
    out = summary(turns)
    assert (out["suite"], out["n"], out["components"]) == ("bench", 1, {})
    assert out["systems"]["clarion_adaptive"] == {"turn_s": 3.0, "over_plain": 1.5}
    assert out["systems"]["clarion_full"] == {"turn_s": 8.0, "over_plain": 4.0}


def test_the_profile_times_each_part_of_a_direct_turn_and_puts_the_methods_back():
    from collections import defaultdict

    from agent.llm.fake import FakeBackend
    from eval.bench.profile import PARTS, format_profile, profile_direct_turns, timing
    from tests.agent.fake_embedder import FakeEmbedder
    from tests.agent.fakes import script

    backend, embedder = FakeBackend(script), FakeEmbedder(384)  # the judges read 384 dims
    found = profile_direct_turns(backend, embedder, answer_tokens=16, repeats=2, per_category=2)
    assert found["repeats"] == 2 and len(found["prompts"]) == 2
    for row in found["prompts"]:
        parts = sum(row[f"{p}_s"] for p in ("embedding", "generation")) + row["rest_s"]
        assert row["clarion_s"] == pytest.approx(parts)
        assert row["generation_s"] > 0 and row["ratio"] == row["clarion_s"] / row["plain_s"]
    lines = format_profile(found)
    assert len(lines) == 2 + 2 + bool(found["direct_medians"])
    spent: dict[str, float] = defaultdict(float)
    with timing({"backend": backend, "embedder": embedder, "checkpointer": object()}, spent):
        embedder.embed(["a"])
    assert spent["embedding"] > 0 and set(spent) <= set(PARTS)
    assert "embed" not in vars(embedder) and "greedy" not in vars(backend)  # put back


def test_turn_repeats_time_each_turn_that_many_times_and_keep_the_median(monkeypatch):
    import eval.bench.turns as turns
    from agent.llm.fake import FakeBackend
    from tests.agent.fake_embedder import FakeEmbedder
    from tests.agent.fakes import FACTUAL, script

    calls = []
    real_turn = turns._turn
    monkeypatch.setattr(turns, "_turn", lambda agent, p: calls.append(p) or real_turn(agent, p))
    bench = turns.run_turns(FakeBackend(script), FakeEmbedder(384), [("clear", FACTUAL)], 16, 3)
    assert len(calls) == 6  # adaptive and full, 3 times each
    (run,) = bench.runs
    assert run.plain_s > 0 and run.adaptive_s > 0 and run.full_s > 0
    assert run.adaptive_move == run.full_move == "answer"
    with pytest.raises(SystemExit):
        parse_args(["--turn-repeats", "0"])

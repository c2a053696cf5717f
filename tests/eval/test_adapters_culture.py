"""Culture adapters' training parts: split guard, gate fit, JS scoring, states == forward."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from agent.adapters import Gate
from eval.adapters.data import QUESTIONS, Row, all_rows, by_split, subsample
from eval.adapters.scoring import make_records, score_records
from eval.adapters.train import cluster_bootstrap, fit_gate, js_distances, mixture
from eval.summary import summarize


def test_no_question_is_in_two_splits_and_the_subsample_is_fixed(data_dir):
    rows = all_rows(data_dir)
    splits = defaultdict(set)
    for r in rows:
        splits[r.question].add(r.split)
    assert all(len(s) == 1 for s in splits.values())  # by question, for every country
    picked = subsample(rows)
    assert picked == subsample(all_rows(data_dir))  # seeded: the same rows every run
    parts = by_split(picked)
    train_q = {r.question for r in parts["train"]}
    assert not train_q & {r.question for r in parts["test"] + parts["dev"]}
    for split, n in QUESTIONS.items():
        assert len({r.question for r in parts[split]}) <= n


def _row(country, region, dist, q="q"):
    return Row(q, tuple("ab"[: len(dist)]), country, region, tuple(dist), "train")


def test_js_distance_is_scipys_natural_log():
    d = js_distances([np.array([1.0, 0.0])], [np.array([0.0, 1.0])])
    assert d[0] == pytest.approx(np.sqrt(np.log(2)))
    assert js_distances([np.array([0.3, 0.7])], [np.array([0.3, 0.7])])[0] == pytest.approx(0)


def test_gate_learns_which_expert_speaks_for_a_group():
    rng = np.random.default_rng(0)
    experts = ("west", "asia")
    rows, preds = [], []
    for i in range(40):
        pw, pa = rng.dirichlet([1, 1]), rng.dirichlet([1, 1])
        # Japan answers like the west expert although it is an asia country
        rows.append(_row("Japan", "asia", pw, q=f"q{i}"))
        preds.append([pw, pa])
        rows.append(_row("India", "asia", pa, q=f"q{i}"))
        preds.append([pw, pa])
    gate = fit_gate(experts, rows, preds, prior=2.0, l2=0.01, steps=400, lr=0.1)
    assert gate.of("Japan")["west"] > 0.7  # moved from its region prior (asia) to west
    assert gate.of("India")["asia"] > 0.8
    mixed = mixture(gate, rows[:2], preds[:2], top=1)
    assert np.allclose(mixed[0], preds[0][0])


def test_cluster_bootstrap_resamples_questions():
    values = np.array([0.1, 0.1, 0.9])
    ci = cluster_bootstrap(values, ["a", "a", "b"], seed=0, resamples=200)
    assert ci["value"] == pytest.approx(values.mean())
    assert ci["questions"] == 2 and ci["lo"] <= ci["value"] <= ci["hi"]


def test_scores_name_every_system_with_its_js_distance():
    rows = [
        _row("Japan", "asia", [0.6, 0.4], q="q1"),
        _row("France", "west", [0.2, 0.8], q="q1"),
        _row("Japan", "asia", [0.5, 0.5], q="q2"),
    ]
    systems = {
        "mixture": [np.array([0.55, 0.45]), np.array([0.3, 0.7]), np.array([0.5, 0.5])],
        "dense": [np.array([0.4, 0.6])] * 3,
        "prompted": [np.array([0.99, 0.01])] * 3,
        "uniform": [np.array([0.5, 0.5])] * 3,
        "majority": [np.array([1.0, 0.0])] * 3,
    }
    scores = score_records(make_records(rows, systems), seed=0)
    summary = summarize({"suite": "distributional", "n_items": 3, "scores": scores})
    for name in ("mixture", "dense", "prompted", "uniform", "majority"):
        assert "js_distance" in summary["systems"][name]
    js = {n: summary["systems"][n]["js_distance"] for n in systems}
    assert js["mixture"] < js["dense"] < js["prompted"]
    assert summary["systems"]["mixture"]["asia"] is not None  # per-region figures
    assert scores["bars"][0]["labels"][0] == "all"


def test_gate_json_round_trip_keeps_weights():
    gate = Gate(("a", "b"), {"X": (0.25, 0.75)})
    assert Gate.from_json(gate.to_json()).of("X") == {"a": 0.25, "b": 0.75}


@pytest.mark.model
def test_cached_states_give_the_plain_peft_forward_pass(default_backend):
    import torch
    from peft import get_peft_model

    from agent.adapters import lora_config, option_log_probs
    from agent.cultures import MAX_OPTIONS, encode, group_suffix, letter_ids
    from agent.llm.loading import load_model
    from eval.adapters.states import lower_states, top_logits

    base, tok, _, _ = load_model(None, device="cpu")
    model = get_peft_model(base, lora_config(), adapter_name="x")
    torch.manual_seed(0)
    for name, p in model.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.05)  # a non-trivial adapter
    rows = [
        Row("Is it good?", ("Yes", "No", "DK"), c, "west", (0.5, 0.3, 0.2), "test")
        for c in ("France", "S. Korea")
    ]
    states = lower_states(base, tok, rows, progress=False)
    letters = letter_ids(tok, MAX_OPTIONS)
    with torch.no_grad():
        cached = option_log_probs(top_logits(model, states), letters, [3, 3])
        for row, lp in zip(rows, cached, strict=True):
            ids, _ = encode(tok, row.prefix, group_suffix(row.country))
            plain = model(input_ids=torch.tensor([ids])).logits[:, -1]
            assert torch.allclose(option_log_probs(plain, letters, [3])[0], lp, atol=1e-3)
        with model.disable_adapter():
            base_lp = option_log_probs(top_logits(model, states), letters, [3, 3])
    assert not torch.allclose(base_lp[0], cached[0], atol=1e-3)

"""The culture adapters' routing and scoring logic (fast), and the real adapters (model)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agent.adapters import WEIGHTS_DIR, CultureAdapters, Gate, available, option_log_probs
from agent.cultures import (
    encode,
    group_suffix,
    load_regions,
    parse_options,
    question_prefix,
    region_of,
)
from agent.errors import ConfigError


def test_regions_cover_distinct_groups_and_route_case_insensitively():
    regions = load_regions()
    groups = [g for r in regions for g in r.groups]
    assert len(groups) == len(set(groups)) == 45
    assert region_of("japan") == "asia" and region_of("France") == "west"
    assert region_of("Atlantis") is None


def test_a_group_in_two_regions_is_refused(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("regions:\n  a: {groups: [X]}\n  b: {groups: [X]}\n")
    with pytest.raises(ConfigError, match="'X' is in regions"):
        load_regions(path)


def test_prompt_layout_is_goqa_s_own():
    prefix = question_prefix("Is it good?", ["Yes", "No"])
    assert prefix == "Question: Is it good?\nOptions: A. Yes B. No"
    assert group_suffix(" Japan ") == "\nCountry: Japan\nAnswer:"
    with pytest.raises(ValueError):
        question_prefix("Q?", ["only one"])


def test_options_are_parsed_from_a_request():
    q, opts = parse_options("Question: Is it good?\nOptions: A. Yes B. No, never C. Unsure")
    assert q == "Is it good?" and opts == ["Yes", "No, never", "Unsure"]
    q, opts = parse_options("Should cities ban cars?\nA) Yes\nB) No")
    assert q == "Should cities ban cars?" and opts == ["Yes", "No"]
    assert parse_options("Should cities ban cars?") is None
    assert parse_options("Pick one: A. only") is None
    assert parse_options("Pick one\nA) tea\nB) coffee") == ("Pick one", ["tea", "coffee"])


@pytest.mark.parametrize(
    "prose",
    [
        "Should I go with plan A: move to Berlin, or plan B: stay in Paris?",
        "I got an A. My brother got a B. Is that fair?",
        "Vitamin A. Vitamin B. Which is better?",
        "My name is A. Smith and my friend is B. Jones. Should we vote?",
        "Grade A: excellent, grade B: good. Should schools use grades?",
        "Compare type A) and type B) personalities.",
        "In section A. we discuss X. In section B. we discuss Y. Is that fair?",
        "Is option A. better than B) in your view?",
    ],
)
def test_prose_that_mentions_letters_has_no_options(prose):
    assert parse_options(prose) is None


class _Tok:
    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": [ord(c) for c in text]}


def test_prefix_and_suffix_are_tokenized_apart():
    ids, n = encode(_Tok(), "ab", "cd")
    assert ids == [97, 98, 99, 100] and n == 2


def test_option_log_probs_renormalise_over_each_rows_options():
    logits = torch.tensor([[0.0, 1.0, 2.0, 3.0], [3.0, 0.0, 0.0, 0.0]])
    out = option_log_probs(logits, [1, 2, 3], [2, 3])
    assert torch.allclose(out[0].exp().sum(), torch.tensor(1.0))
    assert out[0].shape == (2,) and out[1].shape == (3,)
    assert torch.allclose(out[0].exp(), torch.softmax(torch.tensor([1.0, 2.0]), -1))


def test_gate_weights_top_k_and_region_fallback():
    gate = Gate(("west", "asia", "mena"), {"Japan": (0.2, 0.7, 0.1)})
    assert gate.of("Japan") == {"west": 0.2, "asia": 0.7, "mena": 0.1}
    top = gate.top("Japan", 2)
    assert list(top) == ["asia", "west"] and sum(top.values()) == pytest.approx(1.0)
    assert gate.of("Jordan") == {"mena": 1.0}  # listed in a region, not in the gate
    with pytest.raises(KeyError):
        gate.of("Atlantis")
    assert Gate.from_json(gate.to_json()) == gate


class _Scripted(CultureAdapters):
    """Scores by a table instead of a model: (group, adapter) -> distribution."""

    def __init__(self, gate, table):
        self.gate, self.table, self.calls = gate, table, []

    def score(self, question, options, rows):
        self.calls.append(list(rows))
        return [np.asarray(self.table[a]) for _, a in rows]


def test_distributions_mix_each_groups_top_experts_in_one_call():
    gate = Gate(("west", "asia", "mena"), {"Japan": (0.2, 0.7, 0.1), "France": (1.0, 0.0, 0.0)})
    table = {"west": [0.9, 0.1], "asia": [0.1, 0.9], "mena": [0.5, 0.5]}
    scorer = _Scripted(gate, table)
    out = scorer.distributions("Q?", ["a", "b"], ["Japan", "France", "Atlantis"])
    assert len(scorer.calls) == 1  # one batched call for every group
    assert set(out) == {"Japan", "France"}  # an uncovered group is left out
    w = {"asia": 0.7 / 0.9, "west": 0.2 / 0.9}
    expected = w["asia"] * np.array([0.1, 0.9]) + w["west"] * np.array([0.9, 0.1])
    assert np.allclose(out["Japan"], expected)
    assert np.allclose(out["France"], [0.9, 0.1])


@pytest.mark.model
@pytest.mark.skipif(not available(), reason="no trained culture adapters")
def test_real_adapters_score_several_groups_in_one_mixed_batch():
    scorer = CultureAdapters(WEIGHTS_DIR)
    question, options = "Is religion very important in your life?", ["Yes", "No", "DK/Refused"]
    out = scorer.distributions(question, options, ["Japan", "Pakistan", "France"])
    assert set(out) == {"Japan", "Pakistan", "France"}
    for p in out.values():
        assert p.shape == (3,) and p.sum() == pytest.approx(1.0) and (p > 0).all()
    # the mixed batch gives each row what its adapter alone gives
    rows = [("Japan", "asia"), ("France", "west"), ("Japan", "__base__")]
    mixed = scorer.score(question, options, rows)
    for row, p in zip(rows, mixed, strict=True):
        assert np.allclose(scorer.score(question, options, [row])[0], p, atol=1e-4)
    assert not np.allclose(mixed[0], mixed[2], atol=1e-3)  # the adapter changes the answer

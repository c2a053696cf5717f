"""train-judges options: the semantic-entropy probe is opt-in (--se-probe); without it
no answers are sampled, likely_wrong is offered no set that reads se_probe, and no
semantic_entropy.npz is left in the weights folder (no judge would load it)."""

from __future__ import annotations

import numpy as np

from agent.judges import AUXILIARY
from eval.cli import build_parser
from eval.judges.candidates import CANDIDATES, LLM_MARGIN, choose, offered
from eval.judges.card import _se_section
from eval.judges.se_probe import write_auxiliary
from eval.judges.train import fit_probe


def _reads_aux(sets: dict) -> bool:
    return any(set(names) & set(AUXILIARY) for names in sets.values())


def test_se_probe_is_off_by_default_and_opt_in():
    parser = build_parser()
    assert parser.parse_args(["train-judges"]).se_probe is False
    assert parser.parse_args(["train-judges", "--se-probe"]).se_probe is True


def test_without_se_probe_no_candidate_reads_it():
    for judge in CANDIDATES:
        assert not _reads_aux(offered(judge, se_probe=False))
        assert offered(judge, se_probe=True, llm_embedding=True) == CANDIDATES[judge]
    assert _reads_aux(offered("likely_wrong", se_probe=True))
    assert "answer_stats + embedding" in offered("likely_wrong", se_probe=False)


def test_the_llm_embedding_is_offered_unless_opted_out_and_must_win_by_its_margin():
    parser = build_parser()
    assert parser.parse_args(["train-judges"]).no_llm_embedding is False
    assert parser.parse_args(["train-judges", "--no-llm-embedding"]).no_llm_embedding is True
    for judge in CANDIDATES:
        sets = offered(judge, se_probe=True)
        assert not any("llm_embedding" in names for names in sets.values())
    assert "embedding + llm_embedding" in offered("needs_clarification", False, True)
    # the block is chosen only when it beats the sets without it by LLM_MARGIN
    rng = np.random.default_rng(0)
    y = np.arange(200) % 2
    signal = np.c_[y + rng.normal(scale=0.8, size=200), rng.normal(size=200)]
    noise = rng.normal(size=(200, 2))
    train, dev = np.arange(200) < 120, np.arange(200) >= 120
    sets = {"embedding": ("embedding",), "llm_embedding": ("llm_embedding",)}
    same = {"embedding": signal, "llm_embedding": signal}  # no gain: not chosen
    fitted, plain, table = choose("needs_clarification", sets, same, y, train, dev)
    assert fitted.features == ("embedding",) and plain is None
    assert {r["features"] for r in table} == set(sets)
    better = {"embedding": noise, "llm_embedding": signal}
    fitted, plain, _ = choose("needs_clarification", sets, better, y, train, dev)
    assert fitted.features == ("llm_embedding",) and plain.features == ("embedding",)
    assert fitted.dev_auroc >= plain.dev_auroc + LLM_MARGIN


def _probe():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    return fit_probe("aux", {"answer_stats": x}, (x[:, 0] > 0).astype(int), ("lr", 1.0))


def test_auxiliary_weights_written_only_when_a_judge_reads_them(tmp_path):
    path = tmp_path / f"{AUXILIARY['se_probe']}.npz"
    write_auxiliary(_probe(), ["likely_wrong"], tmp_path)
    assert path.is_file()
    write_auxiliary(_probe(), [], tmp_path)  # fitted, not chosen: no dead weights
    assert not path.exists()
    path.write_bytes(b"stale")
    write_auxiliary(None, [], tmp_path)  # not fitted: a stale file goes too
    assert not path.exists()


def test_card_says_when_the_probe_was_not_fitted_or_not_read():
    assert "not fitted" in "\n".join(_se_section(None))
    se = {
        "probe": "semantic_entropy-v1",
        "features": ["answer_stats"],
        "model": "logistic regression C=1",
        "target": "t",
        "dev_auroc": 0.7,
        "rows": {"train": {"ambignq": 3}, "dev": {"ambignq": 2}},
        "positives": {"train": 1, "dev": 1},
        "mean_se": {"train": 1.0, "dev": 1.0},
        "selection": [],
        "read_by": [],
    }
    assert "not written" in "\n".join(_se_section(se))
    assert "Read by: likely_wrong" in "\n".join(_se_section(se | {"read_by": ["likely_wrong"]}))

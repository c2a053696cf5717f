"""The train-judges pipeline end to end: rows, features, fit, ablation, test, card."""

from __future__ import annotations

import dataclasses
import json
import platform
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agent.judges import FALLBACK, JUDGES, LLM_BLOCK, WEIGHTS_DIR
from eval.correctness import match
from eval.judges import features as F
from eval.judges.ablation import hidden_state_ablation
from eval.judges.candidates import (
    choose,
    exemplar_weighted,
    fit_fallback,
    offered,
    operating_point,
    reads_llm,
)
from eval.judges.card import write_card
from eval.judges.data import Row, judge_rows, se_rows, split_idx
from eval.judges.se_probe import se_probe, write_auxiliary
from eval.judges.train import SEED, binary_report, phase, test_report, timer, youden_threshold
from uncertainty.probe import ANSWER_STATS, save_probe


@dataclass
class Options:
    data_dir: Path
    out_dir: Path = WEIGHTS_DIR
    cache_dir: Path | None = Path("runs/judge-features")
    fresh: bool = False
    ablation: bool = True
    progress: bool = True
    se_probe: bool = False
    """Fit the semantic-entropy probe (SE_SAMPLES sampled answers per row: the costliest
    part by far) and offer its se_probe block to likely_wrong."""
    llm_embedding: bool = True
    """Compute the default model's prompt embedding (llama.cpp, features.llm_embeddings)
    for the judges offered it and offer its llm_embedding block."""


def _llm_block(cache, texts, llm, secs, opts) -> np.ndarray:
    with phase(secs, "LLM prompt embeddings (own thread, beside embeddings and greedy answers)"):
        return cache.compute(
            LLM_BLOCK, texts, F.llm_embeddings(llm), "LLM embeddings", opts.progress
        )


def train_judges(opts: Options) -> dict:
    from agent.llm import load_backend
    from agent.llm.loading import resolve
    from agent.normativity import normativity_scores
    from uncertainty import Embedder

    elapsed = timer()
    secs: dict[str, float] = {}  # the card's cost of each part
    cache = F.FeatureCache(opts.cache_dir, opts.fresh)
    with phase(secs, "rows and models loaded"):
        rows = {j: judge_rows(j, opts.data_dir) for j in JUDGES}
        se = se_rows(opts.data_dir, SEED) if opts.se_probe else []
        embedder = Embedder()
        # transformers: batched greedy answers (greedy_batch: the same tokens as one at a
        # time, tests/agent/llm/test_greedy_batch.py) and hidden states (the ablation)
        backend = load_backend(None, backend="transformers")
        # the LLM's prompt embedding comes from the backend the agent runs by default
        llm = load_backend(None, backend="llamacpp") if opts.llm_embedding else None
    texts = sorted({r.text for rs in [*rows.values(), se] for r in rs})
    # the LLM's prompt embeddings (llama.cpp) on a thread of their own, beside the
    # embeddings and greedy answers (torch): both release the GIL, so a second core
    # halves the cold run's wall time; the values do not depend on it
    pool = ThreadPoolExecutor(max_workers=1)
    llm_texts = sorted({r.text for j, rs in rows.items() if reads_llm(j) for r in rs})
    llm_job = None if llm is None else pool.submit(_llm_block, cache, llm_texts, llm, secs, opts)
    with phase(secs, "embeddings"):
        emb_all = cache.compute(
            "embedding", texts, F.embeddings(embedder), "embeddings", opts.progress
        )
    emb_of = {t: emb_all[i] for i, t in enumerate(texts)}

    wrong_rows = rows["likely_wrong"]
    greedy_texts = sorted({r.text for r in [*wrong_rows, *se]})  # only the rows that read them
    with phase(secs, "greedy answers"):
        all_stats, answers = F.answer_texts(cache, greedy_texts, backend, opts.progress)
    stats_of = {t: all_stats[i] for i, t in enumerate(greedy_texts)}
    answer_of = dict(zip(greedy_texts, answers, strict=True))
    rows["likely_wrong"] = [  # task requests keep their 0 (eval/judges/data.py)
        dataclasses.replace(r, label=int(match(answer_of[r.text], r.gold) is None))
        if r.label < 0
        else r
        for r in wrong_rows
    ]
    stats = np.stack([stats_of[r.text] for r in wrong_rows])
    llm_of: dict[str, np.ndarray] = {}
    if llm_job is not None:
        llm_of = dict(zip(llm_texts, llm_job.result(), strict=True))
    pool.shutdown()

    card: dict = {"judges": {}, "seed": SEED, "semantic_entropy_probe": None}
    sep = None
    if opts.se_probe:
        with phase(secs, "semantic-entropy probe (sampled answers, fit)"):
            sep, card["semantic_entropy_probe"] = se_probe(
                se, emb_of, stats_of, backend, embedder, cache, opts
            )
    for judge in JUDGES:
        jrows = rows[judge]
        y = np.array([r.label for r in jrows], dtype=int)
        feats = {"embedding": np.stack([emb_of[r.text] for r in jrows])}
        if llm_of and reads_llm(judge):
            feats[LLM_BLOCK] = np.stack([llm_of[r.text] for r in jrows])
        if judge == "likely_wrong":
            feats["answer_stats"] = stats
            feats["token_entropy"] = stats[:, :1]
            if sep is not None:
                feats["se_probe"] = sep.logit(
                    np.concatenate([feats[b] for b in sep.block_names], axis=1)
                )[:, None]
        idx = split_idx(jrows)
        candidates = offered(judge, opts.se_probe, bool(llm_of))
        weights: dict = {}
        exemplar = np.array([r.source == "request_exemplars" for r in jrows])
        with phase(secs, "fit and select on dev"):
            fitted, plain, table = choose(judge, candidates, feats, y, idx["train"], idx["dev"])
            fitted, weights = exemplar_weighted(judge, fitted, feats, y, idx, exemplar)
        dev_rows = [r for r, k in zip(jrows, idx["dev"], strict=True) if k]
        probe, p, t = operating_point(judge, fitted, feats, y, idx["dev"], dev_rows)
        fallback = None
        if plain is not None:  # the judge reads llm_embedding: the fallback reads the rest
            with phase(secs, "fit and select on dev"):
                plain, _ = exemplar_weighted(judge, plain, feats, y, idx, exemplar)
            fallback = fit_fallback(judge, plain, feats, y, idx, dev_rows, t, opts.out_dir)
        else:  # no stale fallback weights (Judges.load reads them only beside such a judge)
            (Path(opts.out_dir) / FALLBACK.format(judge=judge)).unlink(missing_ok=True)
        ablation = []
        if opts.ablation:
            with phase(secs, "hidden-state ablation"):
                ablation = hidden_state_ablation(
                    judge, jrows, feats, y, backend, cache, opts.progress
                )
        test_rows = [r for r, k in zip(jrows, idx["test"], strict=True) if k]
        te = idx["test"]
        baselines = {}
        if judge == "likely_wrong":
            baselines["token entropy of the greedy answer (mean NLL)"] = stats[te][:, 0]
            if "se_probe" in feats:
                baselines["semantic-entropy probe alone (its logit)"] = feats["se_probe"][te][:, 0]
        if judge == "contested":
            baselines["nearest-exemplar normativity score (agent/normativity.py, k=5)"] = (
                normativity_scores(feats["embedding"][te], embedder)
            )
        probe = dataclasses.replace(
            probe,
            name=f"{judge}-v1",
            meta={"model": fitted.model, "dev_threshold": t, "judge": judge}
            | ({"llm": resolve(None).display_name} if plain is not None else {}),
        )
        save_probe(probe, Path(opts.out_dir) / f"{judge}.npz")
        dev_ex = idx["dev"] & exemplar
        with phase(secs, "test and dev reports (bootstrap)"):
            test = test_report(judge, test_rows, y[te], p[te], t, SEED, baselines)
            dev_report = binary_report(y[dev_ex], p[dev_ex], t, SEED) if dev_ex.any() else None
            if fallback is not None:
                p_fb = fallback.pop("p")
                fallback["test"] = test_report(judge, test_rows, y[te], p_fb[te], t, SEED, {})
            if judge == "likely_wrong":
                weights |= _likely_wrong_dev_report(dev_rows, y[idx["dev"]], p[idx["dev"]], t)
        card["judges"][judge] = {
            "probe": probe.name,
            "features": list(probe.block_names),
            "model": fitted.model,
            "dev_threshold": t,
            "rows": {
                s: {
                    src: int(sum(1 for r in jrows if r.split == s and r.source == src))
                    for src in sorted({r.source for r in jrows})
                }
                for s in ("train", "dev", "test")
            },
            "positives": {s: int(y[idx[s]].sum()) for s in ("train", "dev", "test")},
            "selection": table,
            "ablation_hidden_state": ablation,
            **weights,
            "fallback": fallback,
            "test": test,
            "dev_exemplars": dev_report,
        }
    read = [j for j, c in card["judges"].items() if "se_probe" in c["features"]]
    write_auxiliary(sep, read, Path(opts.out_dir))
    if card["semantic_entropy_probe"] is not None:
        card["semantic_entropy_probe"]["read_by"] = read
    card |= {
        "command": "python -m eval " + " ".join(sys.argv[1:]),
        "seconds": elapsed(),
        "phases": secs,
        "computed": cache.computed,
        "model": getattr(backend, "name", "default"),
        "answer_stats": list(ANSWER_STATS),
        "features": F.describe(),
        "versions": _versions(),
    }
    write_card(card, opts.data_dir, Path(opts.out_dir))
    return card


def _likely_wrong_dev_report(rows: list[Row], y: np.ndarray, p: np.ndarray, t: float) -> dict:
    """likely_wrong on DEV rows: per row group at the operating threshold, and the
    threshold rule in use (train.threshold_for) beside the former Youden J rule."""
    from eval import metrics

    groups = {
        "all dev": [True] * len(rows),
        "ambignq": [r.source == "ambignq" for r in rows],
        "fact exemplars": [r.source == "fact_exemplars" and r.group != "task" for r in rows],
        "task requests (all 0)": [r.group == "task" for r in rows],
    }
    groups |= {
        f"facts: {g}": [r.source == "fact_exemplars" and r.group == g for r in rows]
        for g in sorted({r.group for r in rows if r.source == "fact_exemplars"} - {"task"})
    }
    breakdown = {
        name: binary_report(y[np.array(k)], p[np.array(k)], t, SEED)
        for name, k in groups.items()
        if any(k)
    }
    rules = {}
    for name, th in (
        ("false hedging <= MAX_FALSE_HEDGE (in use)", t),
        ("highest Youden J (former)", youden_threshold(y, p)),
    ):
        pred = p >= th
        rules[name] = {
            "threshold": th,
            "wrong answers hedged": metrics.rate(pred[y == 1]),
            "rows labelled 0 hedged": metrics.rate(pred[y == 0]),
            "task requests hedged": metrics.rate(pred[[r.group == "task" for r in rows]]),
        }
    return {"dev_breakdown": breakdown, "threshold_rules": rules}


def _versions() -> dict:
    import sklearn
    import torch
    import transformers

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }


def summary(card: dict, out_dir: Path = WEIGHTS_DIR) -> str:
    lines = []
    for judge, j in card["judges"].items():
        auc = j["test"]["all"].get("auroc", {})
        lines.append(
            f"{judge:20s} features={'+'.join(j['features'])} model={j['model']!r} "
            f"threshold={j['dev_threshold']:.3f} test AUROC {auc.get('value', float('nan')):.3f} "
            f"[{auc.get('lo', float('nan')):.3f}, {auc.get('hi', float('nan')):.3f}]"
        )
    return "\n".join(lines) + f"\n{card['seconds']} s; card: {Path(out_dir) / 'card.md'}"


def dumps(card: dict) -> str:
    return json.dumps(card, indent=1, default=float)

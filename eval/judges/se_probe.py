"""The semantic-entropy probe of train-judges (opt-in, `--se-probe`): an auxiliary probe
that predicts, from the request's embedding and the greedy answer's statistics, whether the
model's own sampled answers scatter (Kossen et al. 2024); a judge may read its logit."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from agent.judges import AUXILIARY
from eval.judges import features as F
from eval.judges.data import split_idx
from eval.judges.train import SEED, select
from uncertainty.probe import save_probe

SE_CANDIDATES = {
    "answer_stats": ("answer_stats",),
    "embedding": ("embedding",),
    "answer_stats + embedding": ("answer_stats", "embedding"),
}
"""Feature sets of the semantic-entropy probe (the auxiliary probe behind se_probe)."""
SE_TARGET = 0  # column of the cached target: discrete semantic entropy (nats)


def se_probe(se, emb_of, stats_of, backend, embedder, cache, opts) -> tuple:
    """The semantic-entropy probe (Kossen et al. 2024): the model's own semantic entropy
    over SE_SAMPLES answers on TRAIN/DEV rows, binarised at its TRAIN median (label-free:
    no gold answer), predicted from the request's embedding and the greedy answer's
    statistics; feature set and model chosen by dev AUROC of that target."""
    from uncertainty import EmbeddingJudge

    judge = EmbeddingJudge(embedder)
    target = cache.compute(
        "semantic_entropy",
        [r.text for r in se],
        F.semantic_entropies(backend, judge, SEED),
        "semantic entropy (sampled)",
        opts.progress,
        batch=F.SE_BATCH,
    )[:, SE_TARGET]
    idx = split_idx(se)
    cut = float(np.median(target[idx["train"]]))
    y = (target > cut).astype(int)
    feats = {
        "embedding": np.stack([emb_of[r.text] for r in se]),
        "answer_stats": np.stack([stats_of[r.text] for r in se]),
    }
    fitted, table = select("semantic_entropy", SE_CANDIDATES, feats, y, idx["train"], idx["dev"])
    probe = dataclasses.replace(
        fitted.probe,
        name="semantic_entropy-v1",
        meta={"model": fitted.model, "target": f"discrete SE > {cut:.3f} nats", "judge": "aux"},
    )
    info = {
        "probe": probe.name,
        "features": list(probe.block_names),
        "model": fitted.model,
        "samples": F.SE_SAMPLES,
        "target": f"discrete semantic entropy over {F.SE_SAMPLES} samples > {cut:.3f} "
        "nats (the TRAIN median)",
        "rows": {
            s: {
                src: int(sum(1 for r in se if r.split == s and r.source == src))
                for src in sorted({r.source for r in se})
            }
            for s in ("train", "dev")
        },
        "positives": {s: int(y[idx[s]].sum()) for s in ("train", "dev")},
        "mean_se": {s: float(target[idx[s]].mean()) for s in ("train", "dev")},
        "selection": table,
        "dev_auroc": fitted.dev_auroc,
    }
    return probe, info


def write_auxiliary(probe, read_by: list[str], out_dir: Path) -> None:
    """The semantic-entropy probe's weights, only when a judge reads its block; else any
    earlier file goes (Judges.load would not load it: no dead weights)."""
    path = out_dir / f"{AUXILIARY['se_probe']}.npz"
    if probe is not None and read_by:
        save_probe(probe, path)
    else:
        path.unlink(missing_ok=True)

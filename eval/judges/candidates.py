"""Each judge's candidate feature sets and the choices made among them on dev.

CANDIDATES lists the sets offered per judge; `offered` keeps those this run can compute.
`choose` picks a set (one reading the LLM's prompt embedding only by LLM_MARGIN),
`exemplar_weighted` needs_clarification's request-exemplar weight, `operating_point` the
threshold, and `fit_fallback` the judge for a backend without prompt embeddings. The fits
themselves are eval.judges.train's; the pipeline that calls these is eval.judges.run.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from agent.judges import AUXILIARY, FALLBACK, LLM_BLOCK
from eval.judges.train import exemplar_weight, probabilities, select, threshold_for
from uncertainty.probe import save_probe

CANDIDATES: dict[str, dict[str, tuple[str, ...]]] = {
    "needs_clarification": {
        "embedding": ("embedding",),
        "llm_embedding": ("llm_embedding",),
        "embedding + llm_embedding": ("embedding", "llm_embedding"),
    },
    "contested": {"embedding": ("embedding",)},
    "likely_wrong": {
        "token_entropy": ("token_entropy",),
        "answer_stats": ("answer_stats",),
        "embedding": ("embedding",),
        "answer_stats + embedding": ("answer_stats", "embedding"),
        "llm_embedding": ("llm_embedding",),
        "answer_stats + llm_embedding": ("answer_stats", "llm_embedding"),
        "answer_stats + embedding + llm_embedding": ("answer_stats", "embedding", "llm_embedding"),
        "se_probe": ("se_probe",),
        "se_probe + token_entropy": ("se_probe", "token_entropy"),
        "se_probe + token_entropy + embedding": ("se_probe", "token_entropy", "embedding"),
    },
}
"""Feature sets offered per judge; those reading an auxiliary block (se_probe) only with
--se-probe (run.Options.se_probe), those reading the LLM's prompt embedding unless
--no-llm-embedding (run.Options.llm_embedding)."""
LLM_MARGIN = 0.01
"""A set reading llm_embedding is chosen only if its dev AUROC beats the best set without
it by this much: the block costs a prefill per turn and ties the judge to a backend that
has it (agent.llm: prompt_embeddings)."""


def offered(judge: str, se_probe: bool, llm_embedding: bool = False) -> dict[str, tuple[str, ...]]:
    """The candidate feature sets of a judge in this run (CANDIDATES)."""
    absent = (set() if se_probe else set(AUXILIARY)) | (set() if llm_embedding else {LLM_BLOCK})
    return {label: names for label, names in CANDIDATES[judge].items() if not set(names) & absent}


def reads_llm(judge: str) -> bool:
    """Whether some candidate set of the judge reads the LLM's prompt embedding."""
    return any(LLM_BLOCK in names for names in CANDIDATES[judge].values())


def choose(judge, candidates, feats, y, train, dev):
    """train.select over the sets without llm_embedding, then over those with it; the
    latter win only by LLM_MARGIN of dev AUROC. (chosen, the best plain fit when the
    chosen one reads llm_embedding else None, the selection table)."""
    plain = {label: n for label, n in candidates.items() if LLM_BLOCK not in n}
    fitted, table = select(judge, plain, feats, y, train, dev)
    extra = {label: n for label, n in candidates.items() if label not in plain}
    if extra:
        with_llm, more = select(judge, extra, feats, y, train, dev)
        table += more
        if with_llm.dev_auroc >= fitted.dev_auroc + LLM_MARGIN:
            return with_llm, fitted, table
    return fitted, None, table


def exemplar_weighted(judge, fitted, feats, y, idx, exemplar):
    """needs_clarification: the request-exemplar weight (train.exemplar_weight)."""
    if judge != "needs_clarification":
        return fitted, {}
    fitted, w, wtable = exemplar_weight(judge, fitted, feats, y, idx["train"], idx["dev"], exemplar)
    return fitted, {"exemplar_weight": w, "exemplar_weights": wtable}


def operating_point(judge, fitted, feats, y, dev, dev_rows):
    """(probe, P on every row, the operating threshold chosen on dev)."""
    probe = fitted.probe
    p = probabilities(probe, feats)
    return probe, p, threshold_for(judge, y[dev], p[dev], dev_rows)


def fit_fallback(judge, plain, feats, y, idx, dev_rows, t, out_dir) -> dict:
    """The judge for a backend without prompt embeddings (Judges: FALLBACK file): the
    best set without llm_embedding, its own operating threshold chosen on dev by the same
    rule, and its logit shifted so that this threshold falls at the judge's `t` (one
    profile threshold serves both; a monotone shift: its AUROC is unchanged)."""
    probe, p, own = operating_point(judge, plain, feats, y, idx["dev"], dev_rows)
    shift = _logit(t) - _logit(own)
    probe = dataclasses.replace(
        probe,
        name=f"{judge}-fallback-v1",
        intercept=probe.intercept + shift,
        meta={"model": plain.model, "dev_threshold": t, "own_threshold": own, "judge": judge},
    )
    save_probe(probe, Path(out_dir) / FALLBACK.format(judge=judge))
    p = probabilities(probe, feats)
    return {
        "probe": probe.name,
        "features": list(probe.block_names),
        "model": plain.model,
        "dev_auroc": plain.dev_auroc,
        "own_threshold": own,
        "p": p,
    }


def _logit(q: float) -> float:
    q = min(max(q, 1e-6), 1 - 1e-6)
    return float(np.log(q / (1 - q)))

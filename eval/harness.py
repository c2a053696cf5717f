"""What a suite needs at run time: the agent, its backend and embedder, seeds, a progress bar.

Replies are flattened into JSON-able records right away, so results.json holds everything
the scores, the plots and `calibrate` need (no second model run to re-score).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from agent.errors import ClarionError
from eval.baselines import run_baselines
from uncertainty.judged import sampled_value

if TYPE_CHECKING:
    from agent import Agent
    from agent.llm.base import LLMBackend
    from agent.llm.loading import Quantize
    from uncertainty import TextEmbedder

log = logging.getLogger(__name__)


def reply_record(reply) -> dict:
    """The parts of a Reply that scoring and calibration use (`value_laden`: the agent's
    normativity verdict on the request, so `calibrate` can re-route offline)."""
    unc = reply.uncertainty
    return {
        "kind": reply.kind,
        "text": reply.text,
        "route_reason": reply.route_reason,
        "vector": unc.vector() if unc is not None else {},
        # per component: which estimator produced `vector`'s value, and the sampled value
        "estimators": {c.name: c.estimator for c in _components(unc)},
        # (a component with no sampled estimate, e.g. a turn answered unsampled, is left out)
        "sampled_vector": {
            c.name: v for c in _components(unc) if (v := sampled_value(c)) is not None
        },
        "differing_readings": list(unc.differing_readings) if unc is not None else [],
        "options": list(reply.options),
        "perspectives": [
            {"id": p.id, "name": p.name, "position": p.position, "share": p.share}
            for p in reply.perspectives
        ],
        "clusters": [
            {
                "representative": c.representative,
                "probability": c.probability,
                "size": len(c.members),
            }
            for c in reply.clusters
        ],
        "confidence": reply.confidence,
        "context": reply.context,
        "seconds": reply.seconds,
        "thread_id": reply.thread_id,
        "value_laden": reply.value_laden,
        "value_score": reply.value_score,
        "written": [dict(w) for w in reply.written],
    }


def _components(unc) -> list:
    return list(unc.components()) if hasattr(unc, "components") else []


def top_answer(rec: dict) -> str:
    """Clarion's answer: its most probable cluster's representative, else the reply text."""
    clusters = rec.get("clusters") or []
    return clusters[0]["representative"] if clusters else rec.get("text", "")


@dataclass
class Harness:
    """Runs the agent and the baselines on one input, catching user-facing errors per item."""

    agent: Agent
    backend: LLMBackend
    embedder: TextEmbedder | None = None
    seed: int = 0
    baselines: bool = True
    max_new_tokens: int = 48
    show_progress: bool = True
    errors: list[dict] = field(default_factory=list)
    kept: list[dict] = field(default_factory=list)
    data_dir: object = None  # the run's data folder (a suite may read a train bank from it)

    def keep(self, record: dict) -> dict:
        """Keep a finished record, so an interrupted run still scores what it has."""
        self.kept.append(record)
        return record

    def progress(self, items: Iterable, desc: str, total: int | None = None):
        return tqdm(
            items,
            desc=desc,
            total=total,
            disable=not self.show_progress,
            unit="item",
            dynamic_ncols=True,
        )

    def ask(self, text: str, thread_id: str | None = None, *, resume: bool = False) -> dict:
        """One agent turn as a record; {"kind": "error", ...} if the agent refused or failed."""
        try:
            if resume and thread_id is not None:
                reply = self.agent.resume(thread_id, text)
            else:
                reply = self.agent.chat(text, thread_id)
        except ClarionError as exc:
            log.warning("agent error on %r: %s", text[:60], exc)
            self.errors.append({"text": text[:200], "error": f"{type(exc).__name__}: {exc}"})
            return {
                "kind": "error",
                "error": str(exc),
                "text": "",
                "route_reason": "error",
                "vector": {},
                "clusters": [],
                "perspectives": [],
                "options": [],
                "differing_readings": [],
                "confidence": None,
                "context": None,
                "seconds": None,
                "written": [],
                "thread_id": thread_id,
                "value_laden": None,
                "value_score": None,
            }
        return reply_record(reply)

    def pending(self, thread_id: str | None) -> bool:
        return thread_id is not None and self.agent.pending(thread_id) is not None

    def baseline(self, history: list[dict], question: str, *, verbalized: bool = True) -> dict:
        if not self.baselines:
            return {}
        rec = run_baselines(
            self.backend,
            history,
            question,
            max_new_tokens=self.max_new_tokens,
            verbalized=verbalized,
        )
        return rec.to_dict()


def build_harness(
    *,
    model: str | None,
    quantize: Quantize,
    context: str,
    samples: int | None,
    backend: str = "auto",
    base_url: str | None = None,
    seed: int,
    db_path: Path,
    timeout: float | None = None,
    baselines: bool = True,
    show_progress: bool = True,
    adaptive: bool = True,
    interpreter: bool = True,
) -> Harness:
    """The real Agent on a shared backend and embedder (both loaded once)."""
    from agent import Agent, AgentConfig
    from agent.context import load_embedder
    from agent.llm import load_backend

    llm = load_backend(model, quantize=quantize, backend=backend, base_url=base_url)  # type: ignore[arg-type]
    embedder = load_embedder()
    fields: dict[str, Any] = {
        "model": model,
        "quantize": quantize,
        "backend": backend,
        "base_url": base_url,
        "context": context,
        "seed": seed,
        "db_path": db_path,
        "adaptive": adaptive,
        "interpreter": interpreter,
    }
    if samples is not None:
        fields["samples"] = samples
    if timeout is not None:
        fields["timeout_s"] = timeout
    config = AgentConfig(**fields)
    agent = Agent(config, backend=llm, embedder=embedder)
    return Harness(
        agent=agent,
        backend=llm,
        embedder=embedder,
        seed=seed,
        baselines=baselines,
        max_new_tokens=config.max_new_tokens,
        show_progress=show_progress,
    )

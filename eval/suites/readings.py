"""Do distinct readings of an ambiguous request survive the interpret step? Adapter vs prompting.

For TEST rows labelled ambiguous (AmbigNQ, AmbiEnt, CLAMBER), sent as the clarification
suite sends them, the interpret step's model readings (agent.nodes.interpret.
model_readings: K = the agent's `readings` samples, then its filters and meaning
clustering; the facet library left out) are drawn twice on the same backend, embedder
and seed: by the interpreter adapter (agent/interpreter.py) and by the model prompted
alone. Reported per data set, with seeded bootstrap intervals over requests: the share
with >= 2 readings (the request and at least one surviving rewrite: ambiguity becomes
measurable), the share with >= 2 surviving rewrites, and the mean number of rewrites;
the paired difference adapter - prompting.
"""

from __future__ import annotations

import time

import numpy as np

from eval import metrics
from eval.suites.base import Suite, cell, interleave
from eval.suites.clarification import message_for

SYSTEMS = ("interpreter adapter", "prompting alone")


def _mean(a) -> float:
    return float(np.mean(a))


def _paired_difference(a, b) -> float:
    return float(np.mean(a) - np.mean(b))


class ReadingsSuite(Suite):
    name = "readings"
    description = (
        "readings surviving the interpret step on ambiguous test requests: adapter vs prompting"
    )
    datasets = ("ambignq", "ambient", "clamber")

    def select(self, data_dir, limit, seed, split="test"):
        ambiguous = lambda it: it.label == "ambiguous"  # noqa: E731
        return interleave(
            [
                [
                    it.to_dict()
                    for it in self.sample(name, data_dir, limit, seed, keep=ambiguous, split=split)
                ]
                for name in self.datasets
            ]
        )

    def run(self, harness, selected):
        from agent.context import Context, Resources
        from agent.nodes.interpret import model_readings

        config = harness.agent.config
        writers = {
            SYSTEMS[0]: Resources(
                config.model_copy(update={"interpreter": True}),
                backend=harness.backend,
                embedder=harness.embedder,
            ),
            SYSTEMS[1]: Resources(
                config.model_copy(update={"interpreter": False}),
                backend=harness.backend,
                embedder=harness.embedder,
            ),
        }
        adapter = writers[SYSTEMS[0]].interpreter
        if adapter is None:
            raise RuntimeError("the interpreter adapter is not available for this model")
        started = time.perf_counter()
        adapter.backend  # noqa: B018 -- load it now: its one-time cost, apart from the calls
        load_s = round(time.perf_counter() - started, 2)
        for item in harness.progress(selected, "readings"):
            text = message_for(item)
            out = {}
            for name, res in writers.items():
                started = time.perf_counter()
                readings = model_readings({"request": text}, Context(res))
                out[name] = {
                    "readings": readings,
                    "seconds": round(time.perf_counter() - started, 3),
                }
            harness.keep(
                {
                    "id": item["id"],
                    "dataset": item["dataset"],
                    "label": item["label"],
                    "message": text,
                    "meta": item["meta"],
                    "systems": out,
                    "adapter_load_s": load_s,
                }
            )
        return harness.kept

    def score(self, records, seed, extra=None):
        groups = {d: [r for r in records if r["dataset"] == d] for d in self.datasets}
        groups["all"] = list(records)
        tables = []
        for title, k in (
            ("readings >= 2 (at least one rewrite survives)", 2),
            ("readings >= 3 (two distinct rewrites survive)", 3),
        ):
            rows = []
            for group, recs in groups.items():
                if not recs:
                    continue
                hit = {
                    s: np.array([len(r["systems"][s]["readings"]) >= k for r in recs], dtype=float)
                    for s in SYSTEMS
                }
                rows.append(
                    [
                        group,
                        len(recs),
                        *(cell(metrics.rate, hit[s], seed=seed) for s in SYSTEMS),
                        cell(_paired_difference, hit[SYSTEMS[0]], hit[SYSTEMS[1]], seed=seed),
                    ]
                )
            tables.append(
                {
                    "title": f"Share of ambiguous test requests with {title}",
                    "columns": ["data", "n", *SYSTEMS, "adapter - prompting [95% CI]"],
                    "rows": rows,
                }
            )
        rows = []
        for group, recs in groups.items():
            if recs:
                rows.append(
                    [group, len(recs)]
                    + [
                        cell(
                            _mean,
                            np.array([len(r["systems"][s]["readings"]) - 1 for r in recs], float),
                            seed=seed,
                        )
                        for s in SYSTEMS
                    ]
                    + [float(np.mean([r["systems"][s]["seconds"] for r in recs])) for s in SYSTEMS]
                )
        tables.append(
            {
                "title": "Surviving rewrites per request (mean) and seconds per interpret call",
                "columns": [
                    "data",
                    "n",
                    *(f"rewrites: {s}" for s in SYSTEMS),
                    *(f"seconds: {s}" for s in SYSTEMS),
                ],
                "rows": rows,
            }
        )
        examples = [
            f"{r['message'][:80]!r}: adapter {r['systems'][SYSTEMS[0]]['readings'][1:]}; "
            f"prompting {r['systems'][SYSTEMS[1]]['readings'][1:]}"
            for r in [r for r in records if len(r["systems"][SYSTEMS[0]]["readings"]) > 1][:8]
        ]
        return {
            "tables": tables,
            "notes": [
                "Readings as agent.nodes.interpret.model_readings returns them: the request "
                "first, then one surviving rewrite per meaning cluster, up to the agent's K; "
                "the facet library is not consulted (it is the same for both systems).",
                "Both systems draw on the same backend seed; the adapter runs on the "
                "transformers copy of the embedded model with the LoRA merged (loaded once, "
                f"{records[0]['adapter_load_s'] if records else 'n/a'} s, not in the "
                "per-call seconds); prompting alone runs on the run's backend.",
                *examples,
            ],
        }

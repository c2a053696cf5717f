"""Scripted multi-turn dialogues: move accuracy and the move confusion matrix."""

from __future__ import annotations

import numpy as np

from agent.policy import MOVES
from eval import metrics
from eval.data.sampling import stratified_sample
from eval.dialogue_loader import load_dialogues
from eval.suites.base import Suite, answered, cell, decision


def ends_a_sentence(text: str) -> bool:
    """The text ends with sentence punctuation (closing quotes, brackets, markup after)."""
    return text.rstrip().rstrip("\"'”’)]*_`").endswith((".", "!", "?", ":", "…"))


class DialoguesSuite(Suite):
    name = "dialogues"
    description = "scripted multi-turn dialogues (eval/dialogues/*.yaml): move accuracy"
    datasets = ()

    def needs(self) -> list[str]:
        return ["eval/dialogues/*.yaml (shipped)"]

    def data_files(self, data_dir):
        from eval.paths import DIALOGUES_DIR, file_record

        return [file_record(p) for p in sorted(DIALOGUES_DIR.glob("*.yaml"))]

    def select(self, data_dir, limit, seed, split="test"):  # all dialogues are eval rows
        dialogues = load_dialogues()
        chosen = stratified_sample(dialogues, limit, seed, key=lambda d: d.turns[0].primary)
        return [d.model_dump() for d in chosen]

    def run(self, harness, selected):
        records = harness.kept
        for d in harness.progress(selected, "dialogues"):
            thread, history, turns, rounds = None, [], [], 0
            for t in d["turns"]:
                text = t["user"] if t["user"] is not None else t["reply"]
                resume = t["reply"] is not None and harness.pending(thread)
                rec = harness.ask(text, thread, resume=resume)
                thread = rec.get("thread_id") or thread
                history.append({"role": "user", "content": text})
                base = harness.baseline(history, text)
                if base:
                    history.append({"role": "assistant", "content": base["greedy_answer"]})
                turns.append(
                    {
                        "text": text,
                        "expect": t["expect"],
                        "clarion": rec,
                        "baseline": base,
                        "rounds": rounds,
                    }
                )
                rounds = rounds + 1 if rec["kind"] == "clarify" else 0
            harness.keep(
                {
                    "id": d["id"],
                    "label": d["turns"][0]["expect"][0],
                    "tags": d["tags"],
                    "turns": turns,
                }
            )
        return records

    def score(self, records, seed, extra=None):
        turns, dropped = answered([t for r in records for t in r["turns"]])
        expect = [t["expect"] for t in turns]
        got = [t["clarion"]["kind"] for t in turns]
        systems = {"Clarion": got, "always-answer": ["answer"] * len(turns)}
        if turns and all(t["baseline"] for t in turns):
            ent = np.array([t["baseline"]["token_entropy"] for t in turns])
            thr = float(np.median(ent))
            systems[f"token entropy (hedge if >= median {thr:.2f})"] = [
                "hedge" if e >= thr else "answer" for e in ent
            ]
            systems["verbalized confidence (hedge if < 50)"] = [
                "hedge" if t["baseline"]["confidence"] < 50 else "answer" for t in turns
            ]
        rows = []
        for name, moves in systems.items():
            ok = np.array([m in e for m, e in zip(moves, expect, strict=True)], dtype=float)
            per = []
            for move in MOVES:
                mask = np.array([e[0] == move for e in expect])
                per.append(float(ok[mask].mean()) if mask.any() else None)
            rows.append([name, len(ok), cell(np.mean, ok, seed=seed), *per])
        # rows of the matrix: the move that counted as right if Clarion made one, else the first
        truth = [g if g in e else e[0] for g, e in zip(got, expect, strict=True)]
        labels = list(MOVES) + (["error"] if "error" in got else [])
        matrix = metrics.moves_confusion(truth, got, labels)
        success = [all(t["clarion"]["kind"] in t["expect"] for t in r["turns"]) for r in records]
        written = [w for t in turns for w in t["clarion"].get("written") or []]
        cut = [w for w in written if w["finish_reason"] == "length"]
        mid = [w for w in cut if not ends_a_sentence(w["text"])]
        return {
            "tables": [
                {
                    "title": (
                        "Move accuracy per turn (right = the move is among the expected moves)"
                    ),
                    "columns": [
                        "system",
                        "turns",
                        "accuracy [95% CI]",
                        *[f"acc. where {m} expected" for m in MOVES],
                    ],
                    "rows": rows,
                },
                {
                    "title": "Whole dialogues",
                    "columns": ["system", "dialogues", "all turns right"],
                    "rows": [["Clarion", len(records), metrics.rate(success)]],
                },
                {
                    "title": (
                        "Complete answers: texts shown (answer, hedge guess, perspective) "
                        "cut at the answer cap (finish_reason length)"
                    ),
                    "columns": ["texts", "cut at the cap", "of which mid-sentence"],
                    "rows": [
                        [
                            len(written),
                            metrics.rate([w in cut for w in written]) if written else None,
                            metrics.rate([w in mid for w in written]) if written else None,
                        ]
                    ],
                },
                {
                    "title": "Every turn",
                    "columns": ["dialogue", "user", "expected", "Clarion", "route reason"],
                    "rows": [
                        [
                            r["id"],
                            t["text"][:70],
                            "/".join(t["expect"]),
                            t["clarion"]["kind"],
                            (t["clarion"].get("route_reason") or "")[:110],
                        ]
                        for r in records
                        for t in r["turns"]
                    ],
                },
            ],
            "confusion": {
                "title": "Clarion move confusion (rows expected, columns chosen)",
                "labels": labels,
                "matrix": matrix,
            },
            "notes": [
                *dropped,
                "Baselines can only answer or hedge; their thresholds use no labels.",
            ],
        }

    def decisions(self, records):
        return [
            decision(
                t["clarion"],
                set(t["expect"]),
                label=t["expect"][0],
                group=r["id"],
                rounds=t["rounds"],
            )
            for r in records
            for t in r["turns"]
        ]

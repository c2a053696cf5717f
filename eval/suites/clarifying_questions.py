"""Is Clarion's clarifying question the one a person would ask? CLAMBER's gold questions.

Every ambiguous CLAMBER row carries a gold clarifying question. On the TEST rows, each
system's question is compared with the gold one by embedding cosine (all-MiniLM-L6-v2,
the agent's embedder), token F1 and ROUGE-L (eval.text_similarity), with seeded
bootstrap intervals, overall, per CLAMBER category and per subclass. Systems: Clarion's
open question (agent.clarifying: kind model + templates, no readings), the same
templates under the gold kind (the kind model's cost), a retrieval reference (the
nearest TRAIN request's gold question with its name swapped for this request's; not
shipped, see the notes), the clarify template Clarion used before, and a generic
"Could you tell me more?". The LLM is not used.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from eval import metrics
from eval.data import stratified_sample
from eval.question_kinds import ambiguous_rows
from eval.suites.base import Suite, cell
from eval.text_similarity import rouge_l, token_f1

GENERIC = "Could you tell me more?"
BEFORE = (  # prompts/clarify.txt before issue 14, as it reads without options
    "Your question can be read in more than one way, and the answer depends on which you "
    "mean. Which one did you have in mind? Pick one, or tell me in your own words."
)
CLARION = "Clarion (kind model + templates)"
ORACLE = "templates under the gold kind"
RETRIEVAL = "retrieval: nearest train question, name swapped"
SYSTEMS = (CLARION, ORACLE, RETRIEVAL, "clarify template before", "generic")
MEASURES = {"cosine": None, "token F1": token_f1, "ROUGE-L": rouge_l}
CATEGORIES = ("FD", "LA", "MC")


class ClarifyingQuestionsSuite(Suite):
    name = "clarifying-questions"
    description = "clarifying questions vs CLAMBER's gold questions (test rows)"
    datasets = ("clamber",)

    def select(self, data_dir, limit, seed, split="test"):
        rows = [replace(it, label=it.meta["subclass"]) for it in ambiguous_rows(data_dir)[split]]
        return [it.to_dict() for it in stratified_sample(rows, limit, seed)]

    def run(self, harness, selected):
        from agent.clarifying import QuestionWriter, extract_slots

        embedder = harness.embedder
        writer = QuestionWriter(embedder)
        train = ambiguous_rows(harness.data_dir)["train"] if harness.data_dir else []
        bank = embedder.embed([it.text for it in train]) if train else None
        requests = embedder.embed([item["text"] for item in selected]) if selected else None
        drafts = []
        for i, item in enumerate(harness.progress(selected, "clarifying-questions")):
            text, meta = item["text"], item["meta"]
            clarion = writer.question(text)
            questions = {
                CLARION: clarion.text,
                ORACLE: writer.for_kind(text, meta["subclass"]).text,
                "clarify template before": BEFORE,
                "generic": GENERIC,
            }
            if bank is not None and requests is not None:
                near = train[int(np.argmax(bank @ requests[i]))]
                gold = near.meta["clarifying_question"]
                questions[RETRIEVAL] = swap_name(gold, near.text, text, extract_slots)
            drafts.append((item, clarion, questions))
        texts = sorted(
            {t for item, _, q in drafts for t in [item["meta"]["clarifying_question"], *q.values()]}
        )
        vectors = dict(zip(texts, embedder.embed(texts), strict=True)) if texts else {}
        for item, clarion, questions in drafts:
            gold = item["meta"]["clarifying_question"]
            harness.keep(
                {
                    "id": item["id"],
                    "text": item["text"],
                    "category": item["meta"]["category"],
                    "subclass": item["meta"]["subclass"],
                    "gold": gold,
                    "kind": clarion.kind,
                    "filled": clarion.filled,
                    "questions": questions,
                    "cosine": {n: float(vectors[q] @ vectors[gold]) for n, q in questions.items()},
                }
            )
        return harness.kept

    def score(self, records, seed, extra=None):
        systems = [s for s in SYSTEMS if records and all(s in r["questions"] for r in records)]
        values = {s: _measures(records, s) for s in systems}
        groups = {"all": np.ones(len(records), dtype=bool)}
        groups |= {c: np.array([r["category"] == c for r in records]) for c in CATEGORIES}
        groups = {g: mask for g, mask in groups.items() if mask.any()}

        def mean(s: str, m: str, mask: np.ndarray) -> dict:
            return cell(np.mean, values[s][m][mask], seed=seed)

        def gain(m: str, mask: np.ndarray) -> dict:
            return cell(np.mean, values[CLARION][m][mask] - values["generic"][m][mask], seed=seed)

        tables = (
            [
                {
                    "title": "similarity to the gold question, all test rows",
                    "columns": ["system", "n", *(f"{m} [95% CI]" for m in MEASURES)],
                    "rows": [
                        [s, len(records), *(mean(s, m, groups["all"]) for m in MEASURES)]
                        for s in systems
                    ],
                }
            ]
            if systems
            else []
        )
        if CLARION in values and "generic" in values:
            tables.append(
                {
                    "title": "Clarion minus generic, paired per row",
                    "columns": ["rows", "n", *(f"{m} gain [95% CI]" for m in MEASURES)],
                    "rows": [
                        [g, int(mask.sum()), *(gain(m, mask) for m in MEASURES)]
                        for g, mask in groups.items()
                    ],
                }
            )
        for m in MEASURES:
            tables.append(
                {
                    "title": f"{m} per CLAMBER category",
                    "columns": ["system", *(f"{g} (n={int(k.sum())})" for g, k in groups.items())],
                    "rows": [[s, *(mean(s, m, mask) for mask in groups.values())] for s in systems],
                }
            )
        tables.append(_subclass_table(records, values, seed))
        bars = {
            "title": "Cosine to the gold question per CLAMBER category",
            "ylabel": "cosine (error bars: 95% CI)",
            "labels": list(groups),
            "series": {
                s: [mean(s, "cosine", k)["value"] for k in groups.values()] for s in systems
            },
            "intervals": {
                s: [[(c := mean(s, "cosine", k))["lo"], c["hi"]] for k in groups.values()]
                for s in systems
            },
        }
        return {"tables": tables, "bars": [bars] if systems else [], "notes": _notes(records)}


def _notes(records: list[dict]) -> list[str]:
    return [
        "Clarion's question here is its OPEN question (no readings to offer); with readings "
        "it names them instead ('Which one do you mean: A, or B?').",
        f"Clarion's template took slots from the request in "
        f"{sum(r['filled'] for r in records)}/{len(records)} rows (else the kind's slot-free "
        "fallback).",
        "The retrieval reference uses CLAMBER train rows only. It is not what Clarion ships: "
        "its question names another request's entities and answer options (e.g. 'Which "
        "doctor: Owen Hunt, or Megan Hunt?' for a question about a song), which similarity "
        "rewards and a user cannot answer; and shipping it would redistribute CLAMBER's "
        "text, whose licence is unstated.",
        "cosine: all-MiniLM-L6-v2 embeddings, unit norm; token F1 and ROUGE-L on lowercased "
        "word tokens, no stemming.",
    ]


def _measures(records: list[dict], system: str) -> dict[str, np.ndarray]:
    out = {"cosine": np.array([r["cosine"][system] for r in records])}
    for m, fn in MEASURES.items():
        if fn is not None:
            out[m] = np.array([fn(r["questions"][system], r["gold"]) for r in records])
    return out


def _subclass_table(records: list[dict], values: dict, seed: int) -> dict:
    rows = []
    for sub in sorted({r["subclass"] for r in records}):
        mask = np.array([r["subclass"] == sub for r in records])
        cat = next(r["category"] for r in records if r["subclass"] == sub)
        kind_hits = [r["kind"] == sub for r in records if r["subclass"] == sub]
        row = [f"{cat} {sub}", int(mask.sum()), metrics.rate(kind_hits)]
        for s in (CLARION, "generic"):
            if s in values:
                row += [cell(np.mean, values[s][m][mask], seed=seed) for m in ("cosine", "ROUGE-L")]
        rows.append(row)
    return {
        "title": "per CLAMBER subclass",
        "columns": [
            "subclass",
            "n",
            "kind recall",
            "Clarion cosine",
            "Clarion ROUGE-L",
            "generic cosine",
            "generic ROUGE-L",
        ],
        "rows": rows,
    }


def swap_name(question: str, source: str, target: str, extract_slots) -> str:
    """The neighbour's question with its request's name replaced by this request's."""
    theirs, ours = extract_slots(source).get("term"), extract_slots(target).get("term")
    return question.replace(theirs, ours) if theirs and ours and theirs in question else question

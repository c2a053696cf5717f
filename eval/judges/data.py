"""Each judge's labelled rows, with the split every row belongs to.

A row's text is the message the agent would receive, exactly as the eval suites send it
(AmbiEnt as 'If "P", does it follow that "H"?', MoralChoice with its two actions), so a
judge is trained on the inputs it is later scored on. Its split is its data set row's
fixed split (eval.splits.split_of). The project's exemplar files are training rows:
prompts/normativity.yaml (normative questions: contested; factual: not contested, no
clarification needed). Exemplars that near-duplicate a dev or test row are left out
(tests/eval/test_splits.py checks it). The dialogue suite is never a training row.

  needs_clarification  CLAMBER require_clarification; AmbiEnt premise or hypothesis
                       ambiguous; AmbigNQ multipleQAs vs singleAnswer; exemplars (0);
                       request exemplars vague (1) / clear or etiquette (0), among them
                       follow-ups folded onto their previous request, "request
                       (follow-up)" (agent.templates.fold: the shape the judge reads a
                       follow-up in, agent.judges.in_thread); prompts/fact_exemplars.yaml
                       (0): its fact questions (single-answer, fully specified: the
                       plain facts AmbigNQ's clear rows alone did not teach) and its
                       task requests, some of them clarified turns of that folded shape
  contested            MoralChoice high (1) vs low (0) ambiguity; GlobalOpinionQA questions
                       contested (top option < 0.6) in most of their countries (1) or in
                       none (0), mixed ones left out; AmbigNQ and CLAMBER rows (0: facts and
                       requests, not value questions); exemplars normative (1) / factual (0);
                       request exemplars etiquette norm (1) / factual or requests (0)
  likely_wrong         AmbigNQ single-answer questions with gold answers, and the factual
                       exemplars (prompts/fact_exemplars.yaml: easy to obscure questions
                       with accepted answers): 1 when the model's greedy answer is wrong
                       (eval.correctness), needs the model; fully specified task requests
                       of that file (0: no factual claim a hedge could qualify)

`se_rows` are the semantic-entropy probe's rows (Kossen et al. 2024): a seeded subset of
the TRAIN and DEV rows of the question sets (AmbigNQ, any label, and CLAMBER), whose
label-free target is the model's own semantic entropy over sampled answers
(eval.judges.features.semantic_entropies); no gold answer is needed, so it is not
limited to the AmbigNQ rows that have one.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from agent.normativity import EXEMPLARS_PATH, load_exemplars
from agent.templates import PROMPTS_DIR, fold, read_data_file
from eval.data import DATASETS
from eval.splits import Split, normalise, split_of

REQUEST_EXEMPLARS_PATH = PROMPTS_DIR / "judge_exemplars.yaml"
FACT_EXEMPLARS_PATH = PROMPTS_DIR / "fact_exemplars.yaml"
EXEMPLAR_DEV_SHARE = 25
"""Percent of request exemplars held out as dev rows (by hash, `exemplar_split`)."""

EXEMPLAR_SOURCES = ("exemplars", "request_exemplars", "fact_exemplars")
"""The project's own exemplar files among SOURCES; the rest are data sets."""
SOURCES = {
    "needs_clarification": (
        "clamber",
        "ambient",
        "ambignq",
        "exemplars",
        "request_exemplars",
        "fact_exemplars",
    ),
    "contested": (
        "moralchoice",
        "globalopinionqa",
        "ambignq",
        "clamber",
        "exemplars",
        "request_exemplars",
    ),
    "likely_wrong": ("ambignq", "fact_exemplars"),
}
SE_ROWS: dict[str, dict[Split, int]] = {
    "ambignq": {"train": 320, "dev": 110},
    "clamber": {"train": 160, "dev": 50},
}
"""Rows per (data set, split) of the semantic-entropy probe: each costs SE_SAMPLES
sampled answers, so the subset is bounded (seeded, eval.judges.train.SEED)."""


@dataclass(frozen=True)
class Row:
    text: str  # the message the agent receives
    label: int
    split: Split
    source: str  # data set name, or "exemplars"
    group: str = ""  # finer reporting group (e.g. CLAMBER category)
    gold: tuple[str, ...] = field(default=(), compare=False)  # likely_wrong: gold answers


def _message(item) -> str:
    from eval.suites.clarification import message_for
    from eval.suites.pluralism import PluralismSuite

    if item.dataset == "moralchoice":
        return PluralismSuite().message(item.to_dict())
    return message_for(item.to_dict())


def held_out_texts(data_dir: Path) -> list[str]:
    """Normalised texts of every dev and test row of every data set."""
    return sorted(
        {
            normalise(it.text)
            for d in DATASETS.values()
            for it in d.load(data_dir)
            if split_of(it) != "train"
        }
    )


def exemplar_rows(judge: str, data_dir: Path) -> list[Row]:
    """prompts/normativity.yaml as training rows (minus near-duplicates of held-out rows)."""
    ex = load_exemplars(EXEMPLARS_PATH)
    rows = []
    keep = _not_held_out(list(ex.texts), data_dir)
    for text, normative, k in zip(ex.texts, ex.normative, keep, strict=True):
        if not k:
            continue
        label = int(normative) if judge == "contested" else 0
        rows.append(Row(text, label, "train", "exemplars", "normative" if normative else "factual"))
    return rows


def exemplar_split(text: str) -> Split:
    """A request exemplar's fixed split: dev when the SHA-256 bucket (0-99) of its
    normalised text is below EXEMPLAR_DEV_SHARE, else train (never test: the judges are
    scored on the data sets' test rows)."""
    digest = hashlib.sha256(f"clarion-exemplar-v1:{normalise(text)}".encode()).hexdigest()
    return "dev" if int(digest[:8], 16) % 100 < EXEMPLAR_DEV_SHARE else "train"


@dataclass(frozen=True)
class RequestExemplar:
    text: str
    family: str  # "clarification" or "etiquette"
    category: str  # e.g. "code", "hosting"
    kind: str  # vague / clear (clarification), norm / factual (etiquette)


KINDS = {"clarification": ("vague", "clear"), "etiquette": ("norm", "factual")}
POSITIVE = {"needs_clarification": "vague", "contested": "norm"}


def load_request_exemplars(path: Path = REQUEST_EXEMPLARS_PATH) -> list[RequestExemplar]:
    """prompts/judge_exemplars.yaml: family -> category -> kind -> texts. An entry that
    is a pair [previous request, follow-up] is the follow-up in its thread shape, folded
    as the agent folds it (agent.templates.fold)."""
    data = read_data_file(path)
    out = []
    for family, kinds in KINDS.items():
        for category, sides in (data.get(family) or {}).items():
            if set(sides) != set(kinds):
                raise ValueError(f"{path}: {family}.{category} needs exactly {kinds}")
            for kind in kinds:
                out += [RequestExemplar(_text(t), family, category, kind) for t in sides[kind]]
    return out


def _text(entry: str | list[str]) -> str:
    if isinstance(entry, list):
        if len(entry) != 2:
            raise ValueError(f"a folded exemplar is [previous request, follow-up]: {entry!r}")
        return fold(entry[0].strip(), entry[1].strip())
    return entry.strip()


def request_exemplar_rows(judge: str, data_dir: Path) -> list[Row]:
    """The request exemplars as rows of one judge, minus near-duplicates of held-out rows."""
    ex = load_request_exemplars()
    keep = _not_held_out([e.text for e in ex], data_dir)
    return [
        Row(
            e.text,
            int(e.kind == POSITIVE[judge]),
            exemplar_split(e.text),
            "request_exemplars",
            f"{e.category}:{e.kind}",
        )
        for e, k in zip(ex, keep, strict=True)
        if k
    ]


@dataclass(frozen=True)
class FactExemplar:
    text: str
    answers: tuple[str, ...]  # accepted answers; () for a task request
    category: str  # e.g. "geography"; "task" for a task request


def load_fact_exemplars(path: Path = FACT_EXEMPLARS_PATH) -> list[FactExemplar]:
    """prompts/fact_exemplars.yaml: facts (category -> {q, a}) and tasks (texts)."""
    data = read_data_file(path)
    out = []
    for category, items in (data.get("facts") or {}).items():
        for item in items:
            answers = tuple(str(a) for a in item.get("a") or ())
            if not answers:
                raise ValueError(f"{path}: {category}: {item.get('q')!r} has no answer")
            out.append(FactExemplar(str(item["q"]).strip(), answers, category))
    out += [FactExemplar(str(t).strip(), (), "task") for t in data.get("tasks") or ()]
    return out


def fact_exemplar_rows(data_dir: Path) -> list[Row]:
    """The factual exemplars as likely_wrong rows (facts: label -1, filled in from the
    model's greedy answer; tasks: 0), minus near-duplicates of held-out rows."""
    ex = load_fact_exemplars()
    keep = _not_held_out([e.text for e in ex], data_dir)
    return [
        Row(
            e.text,
            -1 if e.answers else 0,
            exemplar_split(e.text),
            "fact_exemplars",
            e.category,
            e.answers,
        )
        for e, k in zip(ex, keep, strict=True)
        if k
    ]


def _not_held_out(texts: list[str], data_dir: Path) -> list[bool]:
    """Per text: not a near-duplicate (normalised, word-set Jaccard) of a dev/test row."""
    from eval.splits import near_duplicate_groups

    norm = [normalise(t) for t in texts]
    groups = near_duplicate_groups(norm + held_out_texts(data_dir))
    held = set(groups[len(norm) :])
    return [g not in held for g in groups[: len(norm)]]


def _goqa_rows(items) -> list[Row]:
    per_q: dict[str, list] = defaultdict(list)
    for it in items:
        per_q[it.text].append(it)
    rows = []
    for text, its in per_q.items():
        share = sum(it.label == "contested" for it in its) / len(its)
        if 0.0 < share <= 0.5:
            continue  # contested in some countries only: no clear target
        rows.append(Row(text, int(share > 0.5), split_of(its[0]), "globalopinionqa"))
    return rows


def judge_rows(judge: str, data_dir: Path) -> list[Row]:
    """All labelled rows of one judge (every split), deterministic order."""
    if judge not in SOURCES:
        raise ValueError(f"unknown judge {judge!r}")
    rows: list[Row] = []
    for source in SOURCES[judge]:
        if source in EXEMPLAR_SOURCES:
            continue
        items = DATASETS[source].load(data_dir)
        if judge == "contested" and source == "globalopinionqa":
            rows += _goqa_rows(items)
            continue
        for it in items:
            if judge == "likely_wrong" and not (it.label == "single" and it.meta["answers"]):
                continue
            if judge == "needs_clarification":
                label = int(it.label == "ambiguous")
            elif judge == "contested":
                label = int(source == "moralchoice" and it.label == "high")
            else:
                label = -1  # likely_wrong: filled in from the model's greedy answer
            group = it.meta.get("category", "") if source == "clamber" else it.label
            gold = tuple(it.meta.get("answers", ())) if judge == "likely_wrong" else ()
            rows.append(Row(_message(it), label, split_of(it), source, group, gold))
    if "exemplars" in SOURCES[judge]:
        rows += exemplar_rows(judge, data_dir)
    if "request_exemplars" in SOURCES[judge]:
        rows += request_exemplar_rows(judge, data_dir)
    if judge == "likely_wrong":
        rows += fact_exemplar_rows(data_dir)
    elif "fact_exemplars" in SOURCES[judge]:  # fully specified: no clarification, label 0
        rows += [dataclasses.replace(r, label=0, gold=()) for r in fact_exemplar_rows(data_dir)]
    return rows


def se_rows(data_dir: Path, seed: int = 0) -> list[Row]:
    """The semantic-entropy probe's rows (TRAIN and DEV only; label -1: the target is
    the model's own semantic entropy, computed from samples). Seeded, deterministic."""
    import random

    rows: list[Row] = []
    for source, per_split in SE_ROWS.items():
        texts: dict[Split, set[str]] = defaultdict(set)
        for it in DATASETS[source].load(data_dir):
            if split_of(it) in per_split:
                texts[split_of(it)].add(_message(it))
        for split, n in per_split.items():
            pool = sorted(texts[split])
            pick = random.Random(f"{seed}:{source}:{split}").sample(pool, min(n, len(pool)))
            rows += [Row(t, -1, split, source) for t in sorted(pick)]
    return rows


def split_idx(rows: list[Row]) -> dict[str, np.ndarray]:
    return {s: np.array([r.split == s for r in rows]) for s in ("train", "dev", "test")}

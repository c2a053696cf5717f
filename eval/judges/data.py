"""Each judge's labelled rows, with the split every row belongs to.

A row's text is the message the agent would receive, exactly as the eval suites send it
(AmbiEnt as 'If "P", does it follow that "H"?', MoralChoice with its two actions), so a
judge is trained on the inputs it is later scored on. Its split is its data set row's
fixed split (eval.splits.split_of). The project's exemplar files are training rows:
prompts/normativity.yaml (normative questions: contested; factual: not contested, no
clarification needed). Exemplars that near-duplicate a dev or test row are left out
(tests/eval/test_splits.py checks it). The dialogue suite is never a training row.

  needs_clarification  CLAMBER require_clarification; AmbiEnt premise or hypothesis
                       ambiguous; AmbigNQ multipleQAs vs singleAnswer; exemplars (0)
  contested            MoralChoice high (1) vs low (0) ambiguity; GlobalOpinionQA questions
                       contested (top option < 0.6) in most of their countries (1) or in
                       none (0), mixed ones left out; AmbigNQ and CLAMBER rows (0: facts and
                       requests, not value questions); exemplars normative (1) / factual (0)
  likely_wrong         AmbigNQ single-answer questions with gold answers: 1 when the
                       model's greedy answer is wrong (eval.correctness); needs the model
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from agent.normativity import EXEMPLARS_PATH, load_exemplars
from eval.data import DATASETS
from eval.splits import Split, normalise, split_of

SOURCES = {
    "needs_clarification": ("clamber", "ambient", "ambignq", "exemplars"),
    "contested": ("moralchoice", "globalopinionqa", "ambignq", "clamber", "exemplars"),
    "likely_wrong": ("ambignq",),
}


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
    from eval.splits import near_duplicate_groups

    ex = load_exemplars(EXEMPLARS_PATH)
    rows = []
    texts = [normalise(t) for t in ex.texts]
    held = held_out_texts(data_dir)
    groups = near_duplicate_groups(texts + held)
    held_groups = set(groups[len(texts) :])
    for text, normative, g in zip(ex.texts, ex.normative, groups, strict=False):
        if g in held_groups:
            continue
        label = int(normative) if judge == "contested" else 0
        rows.append(Row(text, label, "train", "exemplars", "normative" if normative else "factual"))
    return rows


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
        if source == "exemplars":
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
    return rows

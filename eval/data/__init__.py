"""Loaders for the real evaluation data sets in ../shared/data (read in place, never copied).

Every loader returns `Item`s: the text a user would send plus a class label used for
stratified sampling and scoring. Files are hashed so results name the exact bytes used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eval.data.ambient import load_ambient
from eval.data.ambignq import load_ambignq
from eval.data.base import Item
from eval.data.clamber import load_clamber
from eval.data.globalopinionqa import load_globalopinionqa
from eval.data.moralchoice import load_moralchoice
from eval.data.sampling import stratified_sample
from eval.paths import file_record


@dataclass(frozen=True)
class Dataset:
    """A data folder under the data dir, the files it must hold, and its loader."""

    name: str
    folder: str
    files: tuple[str, ...]
    loader: Callable[[Path], list[Item]]
    what: str

    def paths(self, data_dir: Path) -> list[Path]:
        return [Path(data_dir) / self.folder / f for f in self.files]

    def present(self, data_dir: Path) -> bool:
        return all(p.is_file() for p in self.paths(data_dir))

    def load(self, data_dir: Path) -> list[Item]:
        return self.loader(Path(data_dir) / self.folder)

    def records(self, data_dir: Path) -> list[dict]:
        return [file_record(p) for p in self.paths(data_dir)]


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            "clamber",
            "clamber",
            ("clamber_benchmark.jsonl",),
            load_clamber,
            "CLAMBER: does the query need a clarifying question",
        ),
        Dataset(
            "ambignq",
            "ambignq",
            ("dev_light.json",),
            load_ambignq,
            "AmbigNQ light dev: ambiguous vs single-answer questions, gold answers",
        ),
        Dataset(
            "ambient",
            "ambient",
            ("dev.jsonl", "test.jsonl"),
            load_ambient,
            "AmbiEnt: ambiguous vs unambiguous sentence pairs",
        ),
        Dataset(
            "globalopinionqa",
            "globalopinionqa",
            ("distributional_test_globalopinionqa_small.json",),
            load_globalopinionqa,
            "GlobalOpinionQA (Modular Pluralism subset): per-country option shares",
        ),
        Dataset(
            "moralchoice",
            "moralchoice",
            ("moralchoice_low_ambiguity.csv", "moralchoice_high_ambiguity.csv"),
            load_moralchoice,
            "MoralChoice: low- vs high-ambiguity moral scenarios",
        ),
    ]
}

__all__ = ["DATASETS", "Dataset", "Item", "stratified_sample"]

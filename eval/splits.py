"""Fixed train / dev / test splits of every evaluation data set.

A row's split is decided by its text alone, so it never depends on which rows a run
samples, on the order of a file, or on the machine:

1. the text is normalised (`normalise`: NFKC, casefolded, every run of non-word
   characters one space), so rows that differ only in case, punctuation or spacing are
   one text;
2. near-duplicates are grouped: two normalised texts whose word sets have a Jaccard
   similarity >= NEAR_DUPLICATE are joined (single linkage over all data sets at once,
   so a CLAMBER row copied from AmbigNQ lands with its AmbigNQ twin);
3. a group's split is the bucket of the SHA-256 of its smallest normalised text:
   buckets 0-59 train, 60-79 dev, 80-99 test.

Step 2 needs every row, so its outcome is committed in `eval/splits.json` (the manifest):
for each data set the file hashes and row counts per split, plus `moved`, the rows whose
group put them in another split than their own hash would (keyed by a hash of their
normalised text). `split_of_text` reads only the manifest: no data is loaded to answer.
`python -m eval splits` rebuilds the manifest from the data and says if it changed.

GlobalOpinionQA is split by QUESTION: its rows are question x country and the text is the
question, so every country of a question lands in the same split. AmbiEnt is split by
premise (its rows are premise x hypothesis). The dialogue suite (eval/dialogues/) is an
evaluation set and never trained on; the project's exemplar files in prompts/ are
training data (see eval.judges.data).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

Split = Literal["train", "dev", "test"]
SPLITS: tuple[Split, ...] = ("train", "dev", "test")
BOUNDS = {"train": 60, "dev": 80, "test": 100}  # bucket < bound (buckets 0..99)
NEAR_DUPLICATE = 0.8  # word-set Jaccard: "how old do u have to be" ~ "how old do you have to be"
SALT = "clarion-split-v1:"
MANIFEST_PATH = Path(__file__).with_name("splits.json")
_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """NFKC, casefold, non-word runs -> one space, stripped."""
    return " ".join(_NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())


def text_key(text: str) -> str:
    """A short stable hash of the normalised text (the manifest's key for a row)."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:16]


def bucket_split(normalised: str) -> Split:
    digest = hashlib.sha256((SALT + normalised).encode("utf-8")).digest()
    bucket = int.from_bytes(digest[:8], "big") % 100
    return next(s for s in SPLITS if bucket < BOUNDS[s])


@lru_cache(maxsize=1)
def _moved() -> dict[str, str]:
    if not MANIFEST_PATH.is_file():
        return {}
    return dict(json.loads(MANIFEST_PATH.read_text(encoding="utf-8")).get("moved", {}))


def split_of_text(text: str) -> Split:
    """The fixed split of a row, by its text (the committed manifest's grouping applied)."""
    moved = _moved().get(text_key(text))
    return moved if moved is not None else bucket_split(normalise(text))  # type: ignore[return-value]


def split_of(item) -> Split:
    """The split of an eval.data.Item (by its `text`: the question, premise or scenario)."""
    return split_of_text(item.text)


def near_duplicate_groups(texts: Iterable[str], threshold: float = NEAR_DUPLICATE) -> list[int]:
    """Group id per normalised text: single linkage over word-set Jaccard >= threshold."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import CountVectorizer

    texts = list(texts)
    if not texts:
        return []
    words = CountVectorizer(binary=True, token_pattern=r"\S+", lowercase=False)
    x = words.fit_transform([t or "_" for t in texts]).astype(np.float32)
    inter = (x @ x.T).tocoo()
    size = np.asarray(x.sum(axis=1)).ravel()
    jaccard = inter.data / (size[inter.row] + size[inter.col] - inter.data)
    keep = jaccard >= threshold
    graph = coo_matrix(
        (np.ones(int(keep.sum())), (inter.row[keep], inter.col[keep])), shape=(len(texts),) * 2
    )
    return connected_components(graph, directed=False)[1].tolist()


def assign(texts: Iterable[str]) -> dict[str, Split]:
    """normalised text -> split, near-duplicate groups kept together (manifest step 2-3)."""
    unique = sorted({normalise(t) for t in texts})
    groups = near_duplicate_groups(unique)
    anchor: dict[int, str] = {}
    for text, g in zip(unique, groups, strict=True):
        anchor.setdefault(g, text)  # `unique` is sorted: the first seen is the smallest
    return {text: bucket_split(anchor[g]) for text, g in zip(unique, groups, strict=True)}


def data_file_records(name: str, data_dir: Path) -> list[dict]:
    """A data set's files as {file: 'folder/name', bytes, sha256} (no machine paths)."""
    from eval.data import DATASETS

    return [
        {"file": f"{Path(r['path']).parent.name}/{Path(r['path']).name}"}
        | {k: r[k] for k in ("bytes", "sha256")}
        for r in DATASETS[name].records(data_dir)
    ]


def build_manifest(data_dir: Path) -> dict:
    """The manifest for the data under data_dir (every data set in eval.data.DATASETS)."""
    from eval.data import DATASETS

    loaded = {name: d.load(data_dir) for name, d in DATASETS.items()}
    split = assign(it.text for items in loaded.values() for it in items)
    moved = {}
    datasets = {}
    for name, items in loaded.items():
        counts: dict[str, dict[str, int]] = {s: {} for s in SPLITS}
        for it in items:
            norm = normalise(it.text)
            s = split[norm]
            if s != bucket_split(norm):
                moved[text_key(it.text)] = s
            counts[s][it.label] = counts[s].get(it.label, 0) + 1
        datasets[name] = {
            "files": data_file_records(name, data_dir),
            "rows": len(items),
            "rows_per_split": {s: sum(c.values()) for s, c in counts.items()},
            "labels_per_split": {s: dict(sorted(c.items())) for s, c in counts.items()},
        }
    return {
        "rule": (
            "normalise (NFKC, casefold, non-word runs -> space); join near-duplicates "
            f"(word-set Jaccard >= {NEAR_DUPLICATE}, single linkage over all data sets); a "
            f"group's split = bucket sha256('{SALT}' + its smallest normalised text) mod 100: "
            "0-59 train, 60-79 dev, 80-99 test"
        ),
        "near_duplicate_jaccard": NEAR_DUPLICATE,
        "datasets": datasets,
        "moved": dict(sorted(moved.items())),
    }


def file_hashes(manifest: dict) -> dict[str, str]:
    """data-folder-relative file name -> sha256, as the manifest records them."""
    return {r["file"]: r["sha256"] for d in manifest["datasets"].values() for r in d["files"]}


def write_manifest(manifest: dict, path: Path = MANIFEST_PATH) -> None:
    path.write_text(json.dumps(manifest, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    _moved.cache_clear()

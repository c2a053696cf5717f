"""Where evaluation data and outputs live, resolved from the package location (not the cwd)."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
DIALOGUES_DIR = Path(__file__).resolve().parent / "dialogues"


def default_out_dir(suite: str, root: Path | None = None) -> Path:
    """runs/<suite>-<UTC timestamp>, under the current directory unless a root is given."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return (root or Path("runs")) / f"{suite}-{stamp}"


def sha256(path: Path) -> str:
    """File hash recorded in results, so a report names exactly the bytes it measured."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_record(path: Path) -> dict:
    return {"path": str(path), "bytes": path.stat().st_size, "sha256": sha256(path)}

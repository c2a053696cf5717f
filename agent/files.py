"""Files other people must not read or race on: the data folder, keys, atomic writes.

A deployment's data folder holds conversations, feedback (with the key that signs thread
tokens) and contributed perspectives, so it is private to the operator's account: folders
0700, files 0600 (`private_umask()` at start makes every file the process creates so).
Writers of shared files (several app processes on one data folder) take an exclusive
lock and replace the file atomically, so a reader never sees half a file and two
writers never lose each other's change.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


def private_umask() -> None:
    """New files 0600 and folders 0700 from now on (this process and its children)."""
    os.umask(0o077)


def private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Create `path` as 0700 (missing parents follow the umask: 0700 after private_umask).
    A folder that already exists is left as it is, unless `tighten` (the operator's own
    data folder): then one we own is closed to 0700, never a shared sticky one (/tmp)."""
    path = Path(path).expanduser()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not tighten:
        return path
    mode = path.stat().st_mode
    with contextlib.suppress(PermissionError):  # not ours: leave it alone
        if path.stat().st_uid == os.getuid() and mode & 0o077 and not mode & stat.S_ISVTX:
            path.chmod(0o700)
    return path


def make_private(path: Path) -> None:
    """chmod 0600 a file we own (SQLite files created before the umask was set)."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if path.stat().st_uid == os.getuid():
            path.chmod(0o600)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on `<path>.lock`, across processes on this machine."""
    lock_path = Path(f"{path}.lock")
    private_dir(lock_path.parent)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` through a unique temporary file, fsynced, then renamed."""
    path = Path(path)
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)

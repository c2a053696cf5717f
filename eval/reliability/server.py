"""The app under test: a subprocess on a free loopback port, killable and restartable on
the same data folder (so a restart finds the conversations the killed one stored). The
app's own tests (tests/test_app.py) start it the same way."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRACEBACK = "Traceback (most recent call last)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class AppProcess:
    """A Clarion app on a free loopback port, its data in `folder`: `entry` is what
    Python runs (app.py by default), given `--host --port --db --data-dir` and `extra`."""

    def __init__(
        self,
        folder: Path,
        entry: Sequence[str] = (str(ROOT / "app.py"),),
        extra: Sequence[str] = (),
    ):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.db = self.folder / "clarion.sqlite"
        self.data_dir = self.folder / "data"
        self.log = self.folder / "app.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.command = [
            sys.executable,
            *entry,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--db",
            str(self.db),
            "--data-dir",
            str(self.data_dir),
            *extra,
        ]
        self.proc: subprocess.Popen[bytes] | None = None
        self.kills = 0

    @classmethod
    def scripted(cls, folder: Path, delay_s: float, extra: Sequence[str] = ()) -> AppProcess:
        """app.py over the scripted model (eval.reliability.world): SLOW turns take
        `delay_s` per model call."""
        return cls(folder, ("-m", "eval.reliability.serve", str(delay_s)), extra)

    def start(self, timeout: float = 300) -> None:
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "PYTHONPATH": str(ROOT),
        }
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(
                self.command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the app did not answer within {timeout:.0f} s:\n{self.tail()}")

    def kill(self) -> None:
        """kill -9: no cleanup, no flush, like a power cut or the OOM killer."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)
            self.kills += 1
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def restart(self, timeout: float = 300) -> None:
        self.kill()
        self.start(timeout)

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def tracebacks(self) -> int:
        """Tracebacks the server logged so far (each one an error nobody handled)."""
        return self.log.read_text(errors="replace").count(TRACEBACK) if self.log.exists() else 0

"""llama-cpp-python's OpenAI-compatible server (`python -m llama_cpp.server`, the
`llama-cpp-python[server]` extras) serving the embedded GGUF on a free loopback port.

`python tests/llama_server.py [PORT]` runs one in the foreground (for trying the openai
backend by hand); the tests use `LlamaServer` through the `llama_server` fixture.

It serves the weights the in-process default runs: the GGUF dequantized once to F16
(agent.llm.llamacpp_setup.f16_copy; with Q4_1 weights llama.cpp also quantizes the
activations, which moves logits by ~0.2), so a server-vs-in-process comparison compares
the protocol, not two precisions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

MODEL_ALIAS = "smollm2"
START_TIMEOUT_S = 120


def free_port() -> int:
    from tests.pg_server import free_port as port

    return port()


class LlamaServer:
    def __init__(self, port: int | None = None, log_file: Path | None = None):
        self.port = port or free_port()
        self.log_file = log_file
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        from agent.llm.llamacpp_setup import f16_copy
        from agent.llm.loading import default_gguf_path

        return [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            f16_copy(str(default_gguf_path())),
            "--model_alias",
            MODEL_ALIAS,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            "2048",
            "--verbose",
            "False",
        ]

    def start(self) -> LlamaServer:
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command(), stdout=out, stderr=subprocess.STDOUT, env={**os.environ}
        )
        give_up = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < give_up:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2):
                    return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not answer within {START_TIMEOUT_S} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    server = LlamaServer(int(sys.argv[1]) if len(sys.argv) > 1 else 8000)
    os.execv(sys.executable, server.command())

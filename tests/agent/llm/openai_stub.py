"""A scripted stand-in for an OpenAI-compatible server, for the backend's error paths
(429 then success, 5xx, a server without log-probs, one that honours n). It answers on a
free loopback port; the real server tests use llama-cpp-python's (tests/llama_server.py)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def completion(n: int, logprobs: bool = True, text: str = "Paris is the capital.") -> dict:
    tokens = [{"token": w, "logprob": -0.25, "top_logprobs": []} for w in text.split(" ")]
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "stub",
        "choices": [
            {
                "index": i,
                "message": {"role": "assistant", "content": text},
                "logprobs": {"content": tokens} if logprobs else None,
                "finish_reason": "stop",
            }
            for i in range(n)
        ],
    }


class StubServer:
    """`script(request_body) -> (status, body)` answers each POST; GET /v1/models lists
    the model "stub"."""

    def __init__(self, script):
        self.script = script
        self.requests: list[dict] = []
        self.api_keys: list[str] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._send(200, {"object": "list", "data": [{"id": "stub", "object": "model"}]})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                stub.requests.append(body)
                stub.api_keys.append(self.headers.get("authorization", ""))
                self._send(*stub.script(body))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

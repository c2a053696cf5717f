"""Signed tokens: a browser (or API client) holds `id.signature` and gets back only what
the server issued to it; no one can pick or guess another person's thread.

Every use of the key signs under its own label, so a value made for one purpose is never
valid for another: thread tokens, person ids (who supported a proposal) and the secret
gr.BrowserState encrypts with (which Gradio hands to every browser) are unrelated.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from typing import Any

from agent.errors import ConfigError

_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_SIGNATURE = re.compile(r"^[0-9a-f]{32}$")


SECRET_KEY_ENV = "CLARION_SECRET_KEY"


def signing_key(database) -> bytes:
    """$CLARION_SECRET_KEY, else a key kept in the database itself (created once,
    atomically): the same for every app process on one database and across restarts, so
    any process verifies a token another one issued."""
    key = os.environ.get(SECRET_KEY_ENV, "").strip() or database.secret("ui-signing-key")
    if len(key) < 32:
        raise ConfigError(f"{SECRET_KEY_ENV} must be at least 32 characters long.")
    return key.encode()


class ThreadTokens:
    """Issue and verify `id.signature` tokens with one secret key."""

    def __init__(self, key: bytes):
        if len(key) < 32:
            raise ConfigError("The signing key must have at least 32 bytes.")
        self._key = key

    def _sign(self, label: str, value: str) -> str:
        message = label.encode() + b"\0" + value.encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    @property
    def storage_secret(self) -> str:
        """For gr.BrowserState's own encryption. Gradio sends it to the browser, so it is
        derived under a label no token uses: it opens nothing."""
        return hmac.new(self._key, b"browser-state-secret", hashlib.sha256).hexdigest()

    def issue(self, thread_id: str, label: str = "thread") -> str:
        return f"{thread_id}.{self._sign(label, thread_id)}"

    def verify(self, token: Any, label: str = "thread") -> str | None:
        """The id inside a token this server issued under `label`, else None (never raises)."""
        if not isinstance(token, str) or len(token) > 200 or "." not in token:
            return None
        value, _, signature = token.rpartition(".")
        if not _ID.match(value) or not _SIGNATURE.match(signature):
            return None
        expected = self._sign(label, value)
        return value if hmac.compare_digest(signature, expected) else None

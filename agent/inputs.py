"""What a turn accepts from a person: the message's text and the conversation's id.

Both are checked before anything runs (agent.api.Agent, the CLI, the UI, the graph's
entry and a clarify reply), so a rejected message never reaches the stored conversation
or the model; the error says, in plain words, what to change.
"""

from __future__ import annotations

import re
import unicodedata

from agent.errors import InvalidInputError, ThreadError
from agent.llm.base import check_text
from agent.sanitize import TEMPLATE_MARKERS

MAX_MESSAGE_CHARS = 8000
_THREAD_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def validate_message(message: object) -> str:
    """The message, stripped; InvalidInputError with a plain reason if unusable."""
    text = check_text(message).strip()
    if not text:
        raise InvalidInputError("The message is empty: type a question or a request.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInputError(
            f"The message is too long ({len(text):,} characters; the "
            f"limit is {MAX_MESSAGE_CHARS:,}). Shorten it or split it."
        )
    bad = next(
        (c for c in text if unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS), None
    )
    if bad is not None:
        raise InvalidInputError(
            f"The message contains a control character (U+{ord(bad):04X}); remove it and try again."
        )
    marker = TEMPLATE_MARKERS.search(text)
    if marker is not None:
        raise InvalidInputError(
            f"The message contains {marker.group(0)!r}, which the model reads as a "
            "chat-template marker rather than text; remove it and try again."
        )
    return text


def check_thread_id(thread_id: object) -> str:
    """The id, if it has the shape of one Clarion makes; ThreadError otherwise."""
    if not isinstance(thread_id, str) or not _THREAD_ID.match(thread_id):
        raise ThreadError(
            "That is not a valid conversation id (expected the id Clarion "
            "printed, letters, digits, '-' and '_')."
        )
    return thread_id

"""Text that people contribute for other people's prompts (perspectives, missing views).

A contributed perspective's instruction is placed into the model's conversation for
every user who later gets it, so it must be plain text: no characters that render
invisibly or reorder what a reviewer reads (control, bidi and other format characters,
tag characters, private-use or unassigned code points), and none of the markers a chat
template gives meaning to (`<|im_end|>`, `[INST]`, ...), which a tokenizer turns into
real special tokens. Rejected text gets a message that says what to remove.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from agent.errors import InvalidInputError

_REJECTED_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character",
    "Co": "a private-use character",
    "Cs": "a broken character (lone surrogate)",
    "Cn": "an unassigned character",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}
# Markers that chat templates of common model families treat as structure.
TEMPLATE_MARKERS = re.compile(
    r"<\|[^|<>\s]{1,40}\|>"  # <|im_start|>, <|eot_id|>, <|endoftext|> (ChatML, Llama 3, Phi)
    r"|</?s>|\[/?INST\]|<</?SYS>>"  # Llama 2 / Mistral
    r"|<(?:start|end)_of_turn>"  # Gemma
    r"|<\uff5c[^<>]{1,40}\uff5c>",  # DeepSeek's fullwidth bars
    re.IGNORECASE,
)


def check_text(
    text: object,
    field: str,
    *,
    max_chars: int,
    multiline: bool = False,
    required: bool = True,
    special_tokens: Iterable[str] = (),
) -> str:
    """`text` stripped, or InvalidInputError naming `field` and what to change."""
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise InvalidInputError(f"{field}: must be text.")
    text = text.strip()
    if not text:
        if required:
            raise InvalidInputError(f"{field}: is empty.")
        return ""
    if len(text) > max_chars:
        raise InvalidInputError(
            f"{field}: too long ({len(text):,} characters; at most {max_chars:,})."
        )
    allowed = {"\n", "\t"} if multiline else set()
    for char in text:
        kind = _REJECTED_CATEGORIES.get(unicodedata.category(char))
        if kind and char not in allowed:
            raise InvalidInputError(
                f"{field}: contains {kind} (U+{ord(char):04X}); remove it and use plain text."
            )
    found = TEMPLATE_MARKERS.search(text)
    marker = found.group(0) if found else next((t for t in special_tokens if t and t in text), None)
    if marker is not None:
        raise InvalidInputError(
            f"{field}: contains the chat-template marker {marker!r}, which the model would "
            "read as structure rather than text; remove it."
        )
    return text


def check_tags(tags: object, *, max_tags: int = 5, max_chars: int = 40) -> list[str]:
    """Lowercase slug-like tags: at least one, at most `max_tags`, each short."""
    if isinstance(tags, str):
        tags = [t for t in tags.split(",")]
    if not isinstance(tags, list | tuple):
        raise InvalidInputError("tags: give them as text, comma separated.")
    cleaned = [check_text(t, "tags", max_chars=max_chars, required=False).lower() for t in tags]
    cleaned = [t for t in cleaned if t]
    if not cleaned:
        raise InvalidInputError("tags: give at least one (e.g. 'ethical-framework').")
    if len(cleaned) > max_tags:
        raise InvalidInputError(f"tags: at most {max_tags} (got {len(cleaned)}).")
    bad = next((t for t in cleaned if not re.fullmatch(r"[a-z0-9][a-z0-9 -]*", t)), None)
    if bad is not None:
        raise InvalidInputError(
            f"tags: '{bad}' — use lowercase letters, digits, spaces and '-' only."
        )
    return cleaned

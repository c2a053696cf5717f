"""Earlier turns as model context, trimmed to what the context window can hold.

Small models have small windows and every sampled conversation repeats the context, so
we keep the most recent messages only: at most MAX_MESSAGES, and at most as many
characters as the window leaves after the answer budget and a reserve for the system
prompt and the request (~3 characters per token, a cautious estimate for English).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.llm.base import LLMBackend, Messages

if TYPE_CHECKING:
    from agent.state import HistoryEntry, State

MAX_MESSAGES = 6
CHARS_PER_TOKEN = 3
RESERVE_TOKENS = 384  # system prompt + current request + chat-template overhead


def context_messages(
    history: list[HistoryEntry], turn_start: int, context_window: int, max_new_tokens: int
) -> Messages:
    """The thread's messages before this turn, newest kept first, oldest dropped."""
    budget = max(0, context_window - max_new_tokens - RESERVE_TOKENS) * CHARS_PER_TOKEN
    kept: list[dict[str, str]] = []
    used = 0
    for entry in reversed(history[:turn_start]):
        if len(kept) >= MAX_MESSAGES or used + len(entry["content"]) > budget:
            break
        kept.append({"role": entry["role"], "content": entry["content"]})
        used += len(entry["content"])
    kept.reverse()
    while kept and kept[0]["role"] != "user":  # a context never opens with a reply
        kept.pop(0)
    return kept


def earlier_turns(state: State, backend: LLMBackend, max_new_tokens: int) -> Messages:
    """The thread's earlier messages that fit `backend`'s window beside this turn."""
    return context_messages(
        state.get("history", []), state.get("turn_start", 0), backend.context_window, max_new_tokens
    )

"""Clarion's agent: LLM backends, the LangGraph state machine and the public API.

The public names are imported lazily, so `import agent.llm` stays light (no LangGraph).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Agent", "AgentConfig", "AnswerText", "PerspectiveView", "Reply", "TurnEvent"]

if TYPE_CHECKING:
    from agent.api import Agent, AnswerText, PerspectiveView, Reply, TurnEvent
    from agent.config import AgentConfig


def __getattr__(name: str):
    if name == "AgentConfig":
        from agent.config import AgentConfig

        return AgentConfig
    if name in __all__:
        from agent import api

        return getattr(api, name)
    raise AttributeError(f"module 'agent' has no attribute {name!r}")

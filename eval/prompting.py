"""Prompt rendering for eval: the agent's template renderer, so prompts stay files in prompts/."""

from __future__ import annotations

import string
from pathlib import Path

from agent.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


def render(name: str, **values: str) -> str:
    """prompts/<name>.txt filled with `values` (agent.templates.render when it is available)."""
    try:
        from agent.templates import render as agent_render
    except ImportError:  # agent/templates.py not merged yet: same semantics, same folder
        path = PROMPTS_DIR / f"{name}.txt"
        try:
            return string.Template(path.read_text(encoding="utf-8")).substitute(values).strip()
        except (OSError, KeyError) as exc:
            raise ConfigError(f"prompt template {path}: {exc}") from exc
    return agent_render(name, **values).strip()

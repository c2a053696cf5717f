"""Prompt rendering for eval: the agent's renderer, so every prompt stays a file in prompts/."""

from agent.templates import render

__all__ = ["render"]

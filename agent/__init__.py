"""Clarion's agent: LLM backends, the LangGraph state machine and the public API."""

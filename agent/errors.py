"""Clarion's own exceptions.

Every message is written for the person using Clarion: it says what went wrong and
what to do, so the UI and CLI can show it as is, without a traceback.
"""


class ClarionError(Exception):
    """Base class: its message is safe and useful to show to a user."""


class InvalidInputError(ClarionError):
    """The message cannot be processed as given (empty, too long, broken text)."""


class PromptTooLongError(InvalidInputError):
    """The prompt plus the answer budget does not fit the model's context window."""


class ModelLoadError(ClarionError):
    """A model could not be found or loaded."""


class GenerationError(ClarionError):
    """The model failed while generating."""


class ConfigError(ClarionError):
    """A configuration, perspective or context file is invalid."""


class ThreadError(ClarionError):
    """A conversation thread is unknown, or has nothing to resume."""

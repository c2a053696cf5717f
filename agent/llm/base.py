"""The backend contract every LLM implementation fulfils.

A backend is any object with the attributes and methods of `LLMBackend`: a `name`, the
`context_window` it can hold (prompt + answer, in tokens), and batched sampling plus a
greedy answer. Every call first checks its messages with `validate_messages` and stops
at `SamplingParams.deadline` (a `time.monotonic()` bound: the turn's time budget),
returning what it has with finish_reason "time".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from agent.errors import InvalidInputError, PromptTooLongError

Messages = list[dict[str, str]]
"""A chat as OpenAI-style messages: [{"role": "user", "content": "..."}]."""

FinishReason = Literal["stop", "length", "time"]


@dataclass(frozen=True)
class SamplingParams:
    """Sampling settings.

    Defaults are chosen for small instruct models: SmolLM2-135M writes gibberish at
    temperature 1.0, and its model card suggests 0.2 for a single answer. Semantic
    entropy needs diversity that still reflects the model's belief, so we sample at 0.7
    with nucleus 0.9 (Kuhn et al. 2023 sample at 0.5; Farquhar et al. 2024 at 1.0 with
    much larger models). 64 new tokens hold a short answer; longer answers only add
    surface variation that clustering has to undo.
    """

    n: int = 8
    temperature: float = 0.7
    top_p: float = 0.9
    max_new_tokens: int = 64
    seed: int | None = None
    min_new_tokens: int = 0
    """EOS is suppressed until this many tokens exist (benchmarks force equal work)."""
    stop: tuple[str, ...] = ()
    """A sample ends where one of these strings first appears after its first visible
    character (OpenAI's `stop`); the text is cut before it. A batch ends when all have."""
    straggler_factor: float = 0.0
    """0 = off. Else once half the samples have ended after s tokens, the others are cut
    at straggler_factor * s tokens (finish_reason "length"): one rambling sample no
    longer sets the cost of the whole batch."""
    deadline: float | None = None
    """A `time.monotonic()` bound (the turn's deadline): generation stops there, the
    samples come back cut with finish_reason "time". None = no bound."""

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError("n must be at least 1")
        if not 0.0 < self.temperature <= 5.0:
            raise ValueError("temperature must be in (0, 5]")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError("top_p must be in (0, 1]")
        if self.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be at least 1")
        if not 0 <= self.min_new_tokens <= self.max_new_tokens:
            raise ValueError("min_new_tokens must be in [0, max_new_tokens]")
        if self.straggler_factor and self.straggler_factor < 1.0:
            raise ValueError("straggler_factor must be 0 (off) or at least 1")
        if isinstance(self.stop, str) or not all(isinstance(s, str) and s for s in self.stop):
            raise ValueError("stop must be a tuple of non-empty strings")

    def seconds_left(self, default: float) -> float:
        """Seconds left before the deadline (never below 0); `default` without one."""
        if self.deadline is None:
            return default
        return max(0.0, self.deadline - time.monotonic())


@dataclass(frozen=True)
class Sample:
    """One generated answer with the log-probabilities of its tokens.

    `token_logprobs` are natural-log probabilities of the chosen tokens under the
    model's unscaled distribution (temperature 1, no truncation), the likelihood that
    likelihood-weighted semantic entropy needs.
    """

    text: str
    token_ids: tuple[int, ...] = ()
    token_logprobs: tuple[float, ...] = ()
    finish_reason: FinishReason = "stop"
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def sum_logprob(self) -> float:
        return float(sum(self.token_logprobs))

    @property
    def mean_logprob(self) -> float:
        """Length-normalised log-likelihood (0.0 for an empty answer)."""
        if not self.token_logprobs:
            return 0.0
        return self.sum_logprob / len(self.token_logprobs)


@runtime_checkable
class LLMBackend(Protocol):
    """What Clarion needs from a language model."""

    name: str
    context_window: int
    """Tokens the model can attend to: the prompt plus the answer must fit."""

    def sample_batch(
        self, conversations: list[Messages], params: SamplingParams
    ) -> list[list[Sample]]:
        """`params.n` samples for each conversation, in one batched generation."""
        ...

    def sample(self, messages: Messages, params: SamplingParams) -> list[Sample]:
        """`params.n` samples for one conversation."""
        ...

    def greedy(
        self, messages: Messages, max_new_tokens: int = 64, *, deadline: float | None = None
    ) -> Sample:
        """One deterministic answer (stopping at `deadline`, a time.monotonic() bound)."""
        ...

    def extend(
        self,
        messages: Messages,
        start: Sample,
        max_new_tokens: int,
        on_text: Callable[[str], None] | None = None,
        *,
        deadline: float | None = None,
    ) -> Sample:
        """`start` (a sample of `messages` cut short) continued greedily to its end, up to
        `max_new_tokens` tokens in all; `on_text` gets each new piece of text."""
        ...


@runtime_checkable
class PromptEmbedder(Protocol):
    """A backend that runs the model itself can also give its prompt embedding (the
    llama.cpp and transformers backends; agent.judges reads it as LLM_BLOCK)."""

    def prompt_embeddings(self, conversations: list[Messages]) -> Any:
        """One row per conversation (an array, conversations x hidden size): the model's
        final-layer state, after its last norm, at the rendered prompt's last token."""
        ...


def check_text(text: object) -> str:
    """`text` if it is a str that can be encoded (no lone surrogates), else
    InvalidInputError with a reason a user understands."""
    if not isinstance(text, str):
        raise InvalidInputError("The message must be text.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(
            "The message contains broken characters (invalid Unicode); please retype it."
        ) from None
    return text


def validate_messages(messages: Messages) -> None:
    """Reject what no model can answer, with a message a user understands. Every backend
    calls this before it renders a prompt."""
    if not messages:
        raise InvalidInputError("There is no message to answer.")
    for message in messages:
        if not isinstance(message.get("content"), str):
            raise InvalidInputError("Each message needs text content.")
        check_text(message["content"])
    if not messages[-1]["content"].strip():
        raise InvalidInputError("The message is empty: type a question or a request.")


def check_fits(prompt_tokens: int, max_new_tokens: int, context_window: int) -> None:
    """PromptTooLongError, in words a user acts on, when prompt + answer exceed the window."""
    if prompt_tokens + max_new_tokens > context_window:
        raise PromptTooLongError(
            f"The conversation is too long for this model: {prompt_tokens} tokens plus "
            f"{max_new_tokens} for the answer exceed its {context_window}-token window."
            " Start a new conversation or shorten the message."
        )

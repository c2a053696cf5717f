"""The backend contract every LLM implementation fulfils."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

Messages = list[dict[str, str]]
"""A chat as OpenAI-style messages: [{"role": "user", "content": "..."}]."""


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
    finish_reason: str = "stop"  # "stop" | "length" | "time"
    meta: dict = field(default_factory=dict, compare=False)

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

    def sample_batch(
        self, conversations: list[Messages], params: SamplingParams
    ) -> list[list[Sample]]:
        """`params.n` samples for each conversation, in one batched generation."""
        ...

    def sample(self, messages: Messages, params: SamplingParams) -> list[Sample]:
        """`params.n` samples for one conversation."""
        ...

    def greedy(self, messages: Messages, max_new_tokens: int = 64) -> Sample:
        """One deterministic answer."""
        ...

"""Live resources a turn needs and the checkpoint must not hold.

The LLM backend, the sentence embedder (shared by the equivalence judge, the
normativity gate and perspective selection), the context profile and the perspective
registry are loaded lazily, once, and shared by every node and thread. Nodes get them
through this object (a closure in `agent.graph`), never through the graph state.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from agent.config import AgentConfig
from agent.errors import GenerationError
from agent.llm.base import SamplingParams

if TYPE_CHECKING:
    from agent.llm.base import LLMBackend
    from agent.perspectives import Perspective
    from agent.profiles import ContextProfile


def backend_key(config: AgentConfig) -> tuple:
    """The settings whose change means loading another backend."""
    return (config.model, config.quantize, config.backend, config.threads)


def load_backend_for(config: AgentConfig) -> LLMBackend:
    """The backend the settings ask for (model, quantization, backend, threads)."""
    from agent.llm import load_backend

    kwargs = {"threads": config.threads} if config.threads else {}
    return load_backend(config.model, config.quantize, config.backend, **kwargs)


class Runtime:
    def __init__(self, config: AgentConfig, *, backend: LLMBackend | None = None, embedder=None):
        self.config = config
        self._backend = backend
        self._embedder = embedder
        self._judge = None
        self._registry: list[Perspective] | None = None
        self._profile: ContextProfile | None = None
        self._members: list | None = None
        self._facets = None
        self._lock = threading.RLock()
        self.deadline: float | None = None  # time.monotonic() bound of the running turn

    # -- lazily loaded resources ----------------------------------------------

    @property
    def backend(self) -> LLMBackend:
        with self._lock:
            if self._backend is None:
                self._backend = load_backend_for(self.config)
            return self._backend

    @property
    def embedder(self):
        with self._lock:
            if self._embedder is None:
                from uncertainty import Embedder

                self._embedder = Embedder()
            return self._embedder

    @property
    def judge(self):
        with self._lock:
            if self._judge is None:
                from uncertainty import EmbeddingJudge

                self._judge = EmbeddingJudge(self.embedder)
            return self._judge

    @property
    def profile(self) -> ContextProfile:
        with self._lock:
            if self._profile is None:
                from agent.profiles import load_profile

                self._profile = load_profile(self.config.context, data_dir=self.config.data_dir)
            return self._profile

    @property
    def registry(self) -> dict[str, Perspective]:
        with self._lock:
            if self._registry is None:
                from agent.perspectives import load_registry

                extra = self.config.data_dir / "perspectives.yaml"
                self._registry = load_registry(extra if extra.is_file() else None)
            return {p.id: p for p in self._registry}

    @property
    def facets(self):
        """The facet library (prompts/facets.yaml + <data_dir>/facets.yaml if present)."""
        with self._lock:
            if self._facets is None:
                from agent.facets import load_facets

                self._facets = load_facets(extra=self.config.data_dir)
            return self._facets

    @property
    def members(self) -> list:
        """Ensemble members (prompt variants, prompts/members.yaml); [] when none ship."""
        with self._lock:
            if self._members is None:
                from agent.config import PROMPTS_DIR
                from agent.templates import load_members

                path = PROMPTS_DIR / "members.yaml"
                self._members = load_members(path) if path.is_file() else []
            return self._members

    def update(self, config: AgentConfig) -> None:
        """Swap the config; drop only what it invalidates (model reload is expensive)."""
        with self._lock:
            old, self.config = self.config, config
            if backend_key(old) != backend_key(config):
                self._backend = None
            if (old.context, old.data_dir) != (config.context, config.data_dir):
                self._profile = None
            if old.data_dir != config.data_dir:
                self._registry = None
                self._facets = None

    # -- per-turn helpers -----------------------------------------------------

    def params(self, n: int, stop: tuple[str, ...] = ()) -> SamplingParams:
        c = self.config
        return SamplingParams(
            n=n,
            temperature=c.temperature,
            top_p=c.top_p,
            max_new_tokens=c.max_new_tokens,
            seed=c.seed,
            stop=stop,
            straggler_factor=c.straggler_factor,
        )

    def start_turn(self) -> None:
        self.deadline = time.monotonic() + self.config.timeout_s

    def check_deadline(self, node: str) -> None:
        """Raise GenerationError once the turn has used up its time budget."""
        if self.deadline is None:
            return
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise GenerationError(
                f"The turn took longer than {self.config.timeout_s:g} s (stopped before "
                f"'{node}'). Try again, or raise timeout_s / lower samples."
            )
        backend = self._backend
        if backend is not None and hasattr(backend, "max_time_s"):
            backend.max_time_s = remaining  # generate() stops at the turn's deadline

"""What a turn runs with besides its state: LangGraph's run-time context.

`Resources` holds what the checkpoint must not: the LLM backend, the sentence embedder
(shared by the equivalence judge, the normativity gate and perspective selection), the
context profile, the perspective registry, the facets and the ensemble members. Each
loads lazily, once, and is shared by every node and thread.

`Context` is what one run of the graph gets (`graph.stream(..., context=Context(...))`,
nodes `def node(state: State, runtime: Runtime[Context])`): the resources and the
turn's deadline. It is never checkpointed.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import ConfigDict
from pydantic.json_schema import SkipJsonSchema

from agent.config import AgentConfig
from agent.errors import GenerationError, ModelLoadError
from agent.llm.base import SamplingParams

if TYPE_CHECKING:
    from agent.adapters import CultureAdapters
    from agent.clarifying import QuestionWriter
    from agent.facets import FacetLibrary
    from agent.interpreter import InterpreterAdapter
    from agent.judges import Judges
    from agent.llm.base import LLMBackend
    from agent.perspectives import Perspective
    from agent.profiles import ContextProfile
    from agent.templates import Member
    from uncertainty import EmbeddingJudge
    from uncertainty.embeddings import TextEmbedder


def backend_key(config: AgentConfig) -> tuple[object, ...]:
    """The settings whose change means loading another backend."""
    return (config.model, config.quantize, config.backend, config.base_url, config.threads)


def load_backend_for(config: AgentConfig) -> LLMBackend:
    """The backend the settings ask for (model, quantization, backend, server, threads)."""
    from agent.llm import load_backend

    kwargs = {"threads": config.threads} if config.threads else {}
    return load_backend(
        config.model, config.quantize, config.backend, base_url=config.base_url, **kwargs
    )


def load_embedder() -> TextEmbedder:
    """The embedded sentence embedder; ModelLoadError if it cannot be loaded."""
    from uncertainty import Embedder, EmbedderError

    try:
        return Embedder()
    except EmbedderError as exc:
        raise ModelLoadError(f"The sentence-embedding model: {exc}.") from exc


class Resources:
    """The live resources of an Agent, loaded on first use (or all at once by warm())."""

    def __init__(
        self,
        config: AgentConfig,
        *,
        backend: LLMBackend | None = None,
        embedder: TextEmbedder | None = None,
        judges: Judges | None = None,
        cultures: CultureAdapters | None = None,
    ):
        self.config = config
        self._backend = backend
        self._embedder = embedder
        self._judge: EmbeddingJudge | None = None
        self._judges = judges
        self._cultures = cultures
        self._interpreter: InterpreterAdapter | None = None
        self._registry: list[Perspective] | None = None
        self._registry_stamp: tuple[int, int] | None = None
        self._profile: ContextProfile | None = None
        self._members: list[Member] | None = None
        self._facets: FacetLibrary | None = None
        self._question_writer: QuestionWriter | None = None
        self._lock = threading.RLock()

    @property
    def backend(self) -> LLMBackend:
        with self._lock:
            if self._backend is None:
                self._backend = load_backend_for(self.config)
            return self._backend

    @property
    def embedder(self) -> TextEmbedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = load_embedder()
            return self._embedder

    @property
    def judge(self) -> EmbeddingJudge:
        with self._lock:
            if self._judge is None:
                from uncertainty import EmbeddingJudge

                self._judge = EmbeddingJudge(self.embedder)
            return self._judge

    @property
    def judges(self) -> Judges:
        """The learned judges (agent/judge_weights/), loaded once."""
        with self._lock:
            if self._judges is None:
                from agent.judges import Judges

                self._judges = Judges.load()
            return self._judges

    @property
    def cultures(self) -> CultureAdapters | None:
        """The culture adapters (agent/adapter_weights/culture/), or None: not trained, or
        the agent runs another model than the embedded one they were trained on. Their
        model loads on first scoring, not here."""
        with self._lock:
            if self._cultures is None and self.config.model in (None, "", "default"):
                from agent.adapters import CultureAdapters, available

                if available():
                    self._cultures = CultureAdapters()
            return self._cultures

    @property
    def interpreter(self) -> InterpreterAdapter | None:
        """The interpreter adapter (agent/adapter_weights/interpreter/), or None: switched
        off, not trained, or the turn's model is not the embedded one it was trained on
        (another model, a server, a test's fake). Its model loads on first use, not here."""
        with self._lock:
            if self._interpreter is None and self.config.interpreter:
                from agent.interpreter import InterpreterAdapter, available, same_model

                if available() and same_model(self.config.model, self.backend.name):
                    self._interpreter = InterpreterAdapter()
            return self._interpreter

    @property
    def profile(self) -> ContextProfile:
        with self._lock:
            if self._profile is None:
                from agent.profiles import load_profile

                self._profile = load_profile(self.config.context, data_dir=self.config.data_dir)
            return self._profile

    @property
    def registry(self) -> dict[str, Perspective]:
        """Shipped + the operator's perspectives; reread when the operator's file changes
        (an accepted proposal, possibly from another process)."""
        with self._lock:
            extra = self.config.data_folder / "perspectives.yaml"
            try:
                stamp = (extra.stat().st_mtime_ns, extra.stat().st_size)
            except FileNotFoundError:
                stamp = None
            if self._registry is None or stamp != self._registry_stamp:
                from agent.perspectives import load_registry

                self._registry = load_registry(extra if stamp else None)
                self._registry_stamp = stamp
            return {p.id: p for p in self._registry}

    @property
    def facets(self) -> FacetLibrary:
        """The facet library (prompts/facets.yaml + <data_dir>/facets.yaml if present)."""
        with self._lock:
            if self._facets is None:
                from agent.facets import load_facets

                self._facets = load_facets(extra=self.config.data_dir)
            return self._facets

    @property
    def members(self) -> list[Member]:
        """Ensemble members (prompt variants, prompts/members.yaml); [] when none ship."""
        with self._lock:
            if self._members is None:
                from agent.config import PROMPTS_DIR
                from agent.templates import load_members

                path = PROMPTS_DIR / "members.yaml"
                self._members = load_members(path) if path.is_file() else []
            return self._members

    @property
    def question_writer(self) -> QuestionWriter:
        """Writes the clarifying question (agent/clarifying.py: kind model + templates)."""
        with self._lock:
            if self._question_writer is None:
                from agent.clarifying import QuestionWriter

                self._question_writer = QuestionWriter(self.embedder)
            return self._question_writer

    def warm(self) -> None:
        """Load everything a turn needs now (the model, the embedder, the data files)."""
        names = ("profile", "backend", "judge", "judges", "registry", "facets", "members")
        for name in (*names, "question_writer"):
            getattr(self, name)

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


@functools.lru_cache(maxsize=1)
def default_resources() -> Resources:
    """The resources of $CLARION_CONFIG's settings (else the defaults), shared:
    `langgraph dev` runs the graph without a context."""
    return Resources(AgentConfig.from_env())


def studio_context() -> Context:
    """What a run without a context (`langgraph dev`) gets: the default resources and a
    deadline of timeout_s from now."""
    return Context.for_turn(default_resources())


@dataclass
class Context:
    """The run-time context of one turn: the resources and the turn's deadline."""

    __pydantic_config__ = ConfigDict(arbitrary_types_allowed=True)  # Studio's JSON schema

    resources: SkipJsonSchema[Resources] = field(default_factory=default_resources)
    deadline: float | None = None
    """A time.monotonic() bound for the whole turn; None = no bound."""

    @classmethod
    def for_turn(cls, resources: Resources) -> Context:
        """A context whose deadline is the config's timeout_s from now."""
        return cls(resources, time.monotonic() + resources.config.timeout_s)

    @property
    def config(self) -> AgentConfig:
        return self.resources.config

    def params(self, n: int, stop: tuple[str, ...] = ()) -> SamplingParams:
        """The config's sampling settings for `n` samples, bounded by the deadline."""
        c = self.config
        return SamplingParams(
            n=n,
            temperature=c.temperature,
            top_p=c.top_p,
            max_new_tokens=c.max_new_tokens,
            seed=c.seed,
            stop=stop,
            straggler_factor=c.straggler_factor,
            deadline=self.deadline,
        )

    def check_deadline(self, node: str) -> None:
        """Raise GenerationError once the turn has used up its time budget."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise GenerationError(
                f"The turn took longer than {self.config.timeout_s:g} s (stopped before "
                f"'{node}'). Try again, or raise timeout_s / lower samples."
            )

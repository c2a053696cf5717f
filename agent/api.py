"""The public API: `Agent` runs turns of the graph on persistent threads.

Input is validated before the graph runs (agent.inputs), so a rejected message never
reaches the stored conversation; a failure inside a node (generation error, timeout)
surfaces as a ClarionError and leaves the thread's last good checkpoint as it was.

A turn is durable: it runs in a worker thread of its own, under the turn lock, and
streams its events through a queue, so a consumer that goes away (a browser closing
mid-turn) neither stops the turn nor holds the lock. A process killed mid-turn leaves a
thread whose newest checkpoint is mid-run; the thread is read at its last checkpoint at
rest (the last reply, or the clarifying question it waits on) and the next turn starts
from there (agent.checkpoints), so no completed turn and no waiting question is lost
(`interrupted()` says which message was cut off).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from agent import checkpoints
from agent.config import AgentConfig
from agent.context import Context, Resources
from agent.db import Database
from agent.errors import ClarionError, GenerationError, InvalidInputError, ThreadError
from agent.inputs import check_thread_id, validate_message
from agent.reply import AnswerText, PerspectiveView, Reply, TurnEvent
from agent.store import close_checkpointer, new_thread_id, open_checkpointer

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.types import Command, StateSnapshot, StreamMode

    from agent.graph import Input
    from agent.judges import Judges
    from agent.llm.base import LLMBackend
    from agent.profiles import ContextProfile
    from agent.state import State
    from uncertainty import TextEmbedder

__all__ = ["Agent", "AnswerText", "PerspectiveView", "Reply", "TurnEvent"]
log = logging.getLogger(__name__)

PER_SESSION = ("context", "samples", "readings")  # what Agent.stream(settings=) may change
Settings = dict[str, object]  # {name in PER_SESSION: value}, one person's, for one turn
TURN_FAILED = (
    "The turn failed inside Clarion (the details are in the server's log). The "
    "conversation is unchanged; try again."
)


class _Done:
    """The end of one turn's events."""


_DONE = _Done()
_Item = TurnEvent | BaseException | _Done  # what a turn's worker puts on its queue
_Emit = Callable[[_Item], None]


class Agent:
    """Clarion: answer, hedge, clarify or present perspectives, per message."""

    def __init__(
        self,
        config: AgentConfig | None = None,
        *,
        backend: LLMBackend | None = None,
        embedder: TextEmbedder | None = None,
        checkpointer: BaseCheckpointSaver[str] | None = None,
        judges: Judges | None = None,
    ):
        self.config = config or AgentConfig()
        self._resources = Resources(self.config, backend=backend, embedder=embedder, judges=judges)
        self._resources.profile  # noqa: B018 -- a bad context profile fails here, not mid-turn
        self._owns_checkpointer = checkpointer is None
        self.database = Database(self.config.database)
        """Conversations' and participation's database (SQLite file or PostgreSQL)."""
        self._checkpointer = checkpointer or open_checkpointer(self.database)
        self._build()
        self._turn_lock = threading.Lock()

    def _build(self) -> None:
        from agent.graph import build_graph

        self._graph = build_graph(self._checkpointer)

    @property
    def profile(self) -> ContextProfile:
        return self._resources.profile

    def warm(self) -> None:
        """Load what a turn needs now (model, embedder, data files) instead of during the
        first turn; ModelLoadError or ConfigError if one cannot be loaded."""
        with self._turn_lock:
            self._resources.warm()

    # -- turns ----------------------------------------------------------------

    def chat(
        self, message: str, thread_id: str | None = None, *, settings: Settings | None = None
    ) -> Reply:
        """Answer a message (new thread if None); on a thread waiting for a clarify
        reply, the message is that reply."""
        return self._last(self.stream(message, thread_id, settings=settings))

    def resume(self, thread_id: str, reply: str, *, settings: Settings | None = None) -> Reply:
        """Answer a pending clarifying question."""
        return self._last(self.stream(reply, thread_id, resume=True, settings=settings))

    def stream(
        self,
        message: str,
        thread_id: str | None = None,
        *,
        resume: bool = False,
        settings: Settings | None = None,
    ) -> Iterator[TurnEvent]:
        """One TurnEvent per node that ran; the last one carries the Reply. While a move
        writes its text, AnswerText events carry the text so far. `settings` changes this
        turn only (one person's context, samples, readings). The turn runs to its end in
        a worker thread even if the caller stops reading."""
        text = validate_message(message)
        if thread_id is None:
            if resume:
                raise ThreadError("Resuming needs the id of the conversation to continue.")
            thread_id = self.new_thread_id()
        else:
            check_thread_id(thread_id)
        config = self._turn_config(settings)
        events: queue.Queue[_Item] = queue.Queue()
        worker = threading.Thread(
            target=self._turn,
            args=(text, thread_id, resume, config, events.put),
            name=f"turn-{thread_id[:8]}",
            daemon=True,
        )
        worker.start()
        return self._events(events)

    def _turn_config(self, settings: Settings | None) -> AgentConfig:
        if not settings:
            return self.config
        unknown = set(settings) - set(PER_SESSION)
        if unknown:
            raise InvalidInputError(f"Only {', '.join(PER_SESSION)} can change per turn.")
        return self.config.updated(**settings)

    @staticmethod
    def _events(events: queue.Queue[_Item]) -> Iterator[TurnEvent]:
        while not isinstance(item := events.get(), _Done):
            if isinstance(item, BaseException):
                raise item
            yield item

    def _turn(
        self, text: str, thread_id: str, resume: bool, config: AgentConfig, emit: _Emit
    ) -> None:
        """The whole turn, to its end whatever the consumer does; events go to `emit`."""
        from langgraph.types import Command

        try:
            with self._turn_lock:
                state = checkpoints.rest_state(self._graph, thread_id)
                waiting = checkpoints.waiting(state)
                if resume and not state.values:
                    raise ThreadError(f"There is no conversation with id {thread_id}.")
                if resume and not waiting:
                    raise ThreadError(
                        f"Conversation {thread_id} is not waiting for an answer to a "
                        "clarifying question; send a new message instead."
                    )
                graph_input: Command[str] | Input = (
                    Command(resume=text) if waiting else {"message": text}
                )
                self._restore(state, only_if_moved=True)
                saved = self.config
                if config is not saved:  # one person's settings, for this turn only
                    self._resources.update(config)
                try:
                    self._run(graph_input, thread_id, state, emit)
                finally:
                    if config is not saved:
                        self._resources.update(saved)
        except ClarionError as exc:
            emit(exc)
        except Exception:  # noqa: BLE001 -- a turn must always end with an answer
            log.exception("turn failed")
            emit(GenerationError(TURN_FAILED))
        emit(_DONE)

    def _run(
        self, graph_input: Command[str] | Input, thread_id: str, before: StateSnapshot, emit: _Emit
    ) -> None:
        from agent.events import describe

        config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
        replied = False
        started = time.perf_counter()
        context = Context.for_turn(self._resources)
        try:
            modes: list[StreamMode] = ["updates", "custom"]
            for part in self._graph.stream(
                graph_input, config, context=context, stream_mode=modes, version="v2"
            ):
                if part["type"] == "custom":  # agent.nodes.complete: the text written so far
                    data = part["data"]
                    emit(AnswerText(data["node"], "Writing the answer", text=data["text"]))
                    continue
                if part["type"] != "updates":
                    continue
                for node, values in part["data"].items():
                    if node.startswith("__"):  # the interrupt itself: clarify came first
                        continue
                    update: State = values or State()
                    event = TurnEvent(node, describe(node, update))
                    reply = update.get("reply")
                    if reply is not None:
                        seconds = time.perf_counter() - started
                        event.reply = replace(reply, thread_id=thread_id, seconds=seconds)
                        replied = True
                    emit(event)
        except ClarionError:
            self._restore(before)
            raise
        except Exception as exc:
            log.exception("turn failed")
            self._restore(before)
            raise GenerationError(TURN_FAILED) from exc
        if not replied:
            raise GenerationError("The turn ended without a reply; try again.")

    def _restore(self, before: StateSnapshot, only_if_moved: bool = False) -> None:
        """Make the checkpoint from before a failed turn the thread's head again (a
        copy), so e.g. a clarify that was being answered is still pending."""
        if not before.values:
            return  # a new thread: its partial state holds no history and no pending reply
        if only_if_moved and checkpoints.head_config(self._graph, before.config) == before.config:
            return  # already the head
        try:
            self._graph.update_state(before.config, None, as_node="__copy__")
        except Exception:  # the failure itself is what the user needs to see
            log.exception("could not restore the thread's last checkpoint")

    @staticmethod
    def _last(events: Iterator[TurnEvent]) -> Reply:
        reply = None
        for event in events:
            reply = event.reply or reply
        assert reply is not None  # _run raises when a turn ends without one
        return reply

    # -- threads --------------------------------------------------------------

    def interrupted(self, thread_id: str) -> str | None:
        """The message whose turn was cut off (the server stopped mid-turn), if any: it
        got no reply and is not in the history; the person should send it again."""
        check_thread_id(thread_id)
        head = checkpoints.head(self._graph, thread_id)
        if checkpoints.at_rest(head):
            return None
        log_ = [m for m in head.values.get("turn_log") or [] if m.get("role") == "user"]
        return (log_[-1].get("content") if log_ else None) or head.values.get("message") or ""

    def _reply(self, thread_id: str) -> Reply | None:
        from agent.state import as_reply

        reply = as_reply(checkpoints.rest_state(self._graph, thread_id).values.get("reply"))
        return None if reply is None else replace(reply, thread_id=thread_id)

    def pending(self, thread_id: str) -> Reply | None:
        """The clarifying question a thread is waiting on, if any."""
        check_thread_id(thread_id)
        waits = checkpoints.waiting(checkpoints.rest_state(self._graph, thread_id))
        return self._reply(thread_id) if waits else None

    def history(self, thread_id: str) -> list[dict[str, str]]:
        """The thread's messages ([] for an unknown thread)."""
        check_thread_id(thread_id)
        state = checkpoints.rest_state(self._graph, thread_id)
        return [dict(m) for m in state.values.get("history") or []]

    def new_thread_id(self) -> str:
        return new_thread_id()

    # -- configuration --------------------------------------------------------

    def update_config(self, **changes: Any) -> AgentConfig:
        """Validate and apply settings for the next turn; a model/quantize change reloads
        the backend, a db_path/db_url change reopens the store."""
        config = self.config.updated(**changes)
        old = self.config
        with self._turn_lock:
            self._resources.update(config)
            try:
                self._resources.profile  # noqa: B018 -- validate the context now
            except ClarionError:
                self._resources.update(old)
                raise
            self.config = config
            if config.database != old.database:
                self.close()
                self.database = Database(config.database)
                self._checkpointer = open_checkpointer(self.database)
                self._owns_checkpointer = True
                self._build()
        return config

    def close(self) -> None:
        """Close the conversation store if this Agent opened it."""
        if self._owns_checkpointer and not self.database.postgres:
            close_checkpointer(self._checkpointer)
        self.database.close()  # PostgreSQL: the pool the checkpointer used

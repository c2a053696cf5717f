"""Complete answers: the text shown ends where the model ends it, not at the budget.

Samples are drawn with a small budget (`max_new_tokens`, 48): enough to tell meanings
apart, and a batch costs as many steps as its longest sample. The text a move shows
(the answer, the hedge's guess, each perspective's position) is that of one sample, so
when that sample was cut by the budget it is continued greedily from its own tokens up
to `answer_tokens` (256 by default) in all. The llama.cpp backend still holds the
sample's KV, so only the new tokens cost; a backend without `extend` generates the
final answer once instead; when the turn began with a greedy probe (agent.nodes.probe)
whose answer means the same, that complete text is shown and nothing is generated.
New text is streamed as it comes (LangGraph's custom stream:
{"node", "text"} with the text so far), and the Agent turns it into AnswerText events.
"""

from __future__ import annotations

from collections.abc import Callable

from agent.context import Context
from agent.llm.base import FinishReason, Sample
from agent.nodes.sample import build_conversations
from agent.state import State


def completed(state: State, ctx: Context, text: str, node: str) -> tuple[str, FinishReason]:
    """(`text` (a sampled answer) as the model would finish it, its finish reason:
    "stop" where the model ended it, "length" at the answer_tokens cap, "time")."""
    records = [a for a in state.get("answers") or [] if a.text == text]
    if not records or any(r.complete for r in records):
        return text, "stop"
    greedy = state.get("probe")
    if (
        greedy is not None
        and greedy.text
        and same_meaning(ctx, state["request"], text, greedy.text)
    ):
        return greedy.text, greedy.finish_reason  # already complete (the probe)
    record = records[0]
    conversations, _ = build_conversations(state, ctx)
    messages = conversations[record.conversation].messages
    backend, cap = ctx.resources.backend, ctx.config.answer_tokens
    on_text = streamer(node, text)
    if record.tokens:
        start = Sample(text, tuple(record.tokens), (), "length")
        whole = backend.extend(messages, start, cap, on_text, deadline=ctx.deadline)
    else:  # nothing to continue from: the final answer, generated once
        whole = backend.greedy(messages, cap, deadline=ctx.deadline)
        on_text(whole.text)
    return whole.text or text, whole.finish_reason


def same_meaning(ctx: Context, question: str, a: str, b: str) -> bool:
    """The estimator's own equivalence judge on two answers."""
    return bool(ctx.resources.judge.bind(question, [a, b])(0, 1))


def streamer(node: str, start: str = "") -> Callable[[str], None]:
    """A callback that streams the text so far (start + every piece) to the UI."""
    try:
        from langgraph.config import get_stream_writer

        write = get_stream_writer()
    except (RuntimeError, ImportError):  # called outside a running graph (unit tests)
        return lambda piece: None
    shown = [start]

    def on_text(piece: str) -> None:
        shown[0] += piece
        write({"node": node, "text": shown[0]})

    return on_text

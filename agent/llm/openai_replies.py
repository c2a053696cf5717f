"""What an OpenAI-compatible server sends back, in Clarion's terms (agent.llm.openai_backend).

A chat completion choice becomes a Sample (to_sample: its text and per-token log-probs,
cut at a stop string the server missed or ended on); a request the deadline cut, an empty
one (timed_out); an `openai` client error, the ClarionError a user acts on (raise_plain).
"""

from __future__ import annotations

from typing import Any, NoReturn

from agent.errors import GenerationError, ModelLoadError, PromptTooLongError
from agent.llm.base import FinishReason, Sample
from agent.llm.stopping import cut_at_stop


def to_sample(choice: Any, stops: tuple[str, ...], base_url: str) -> Sample:
    """A chat completion choice as a Sample: its text and log-probs, cut at a stop string."""
    content = (choice.logprobs.content if choice.logprobs else None) or []
    text = choice.message.content or ""
    if not content and text.strip():
        raise GenerationError(
            f"The model server at {base_url} returned no log-probabilities. Clarion "
            "needs them: serve the model with vLLM, llama.cpp's server or "
            "llama-cpp-python's server, which return them for logprobs=true."
        )
    logprobs = [t.logprob for t in content]
    reason: FinishReason = "length" if choice.finish_reason == "length" else "stop"
    cut = cut_at_stop(text, stops)
    if cut is not None:  # the server ended early on a stop string, or missed it
        text, logprobs, reason = text[:cut], logprobs_before(content, cut), "stop"
    return Sample(text=text.strip(), token_logprobs=tuple(logprobs), finish_reason=reason)


def raise_plain(exc: Exception, base_url: str, model: str) -> NoReturn:
    """Raise the ClarionError a user understands for an `openai` client error."""
    import openai

    reason = _reason(exc)
    if isinstance(exc, openai.APIConnectionError):
        raise GenerationError(
            f"Cannot reach the model server at {base_url} ({reason}). "
            "Check that it is running and the URL (--base-url)."
        ) from None
    if isinstance(exc, openai.AuthenticationError):
        raise ModelLoadError(
            f"The model server at {base_url} refused the API key: set CLARION_API_KEY "
            "(or OPENAI_API_KEY) to a key it accepts."
        ) from None
    if isinstance(exc, openai.NotFoundError):
        raise ModelLoadError(
            f"The model server at {base_url} does not serve '{model}' ({reason})."
        ) from None
    if isinstance(exc, openai.BadRequestError):
        if "context" in reason.lower() or "too long" in reason.lower():
            raise PromptTooLongError(
                f"The conversation is too long for the served model ({reason}). Start a new "
                "conversation or shorten the message."
            ) from None
        raise GenerationError(f"The model server rejected the request: {reason}") from None
    if isinstance(exc, openai.RateLimitError):
        raise GenerationError(
            f"The model server at {base_url} is busy (429, still after retries); try again "
            "in a moment."
        ) from None
    status = getattr(exc, "status_code", "error")
    raise GenerationError(
        f"The model server at {base_url} failed ({status}: {reason}); try again."
    ) from None


def logprobs_before(content: Any, chars: int) -> list[float]:
    """The log-probs of the tokens that make up the first `chars` characters."""
    out, used = [], 0
    for token in content:
        if used >= chars:
            break
        out.append(token.logprob)
        used += len(token.token)
    return out


def timed_out() -> Sample:
    """What a request the deadline cut gives: no text, finish reason "time"."""
    return Sample(text="", finish_reason="time")


def _reason(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        message = body.get("message") or (body.get("error") or {}).get("message")
        if message:
            return str(message).splitlines()[0]
    return (str(exc).strip() or type(exc).__name__).splitlines()[0]

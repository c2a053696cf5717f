"""Any OpenAI-compatible model server: vLLM, llama.cpp's server, llama-cpp-python's
server, Ollama, or a hosted API.

Clarion needs n samples of each conversation with the log-probability of every sampled
token. `/v1/chat/completions` gives both: `n` choices, `logprobs=true` (with
`top_logprobs=1`, which llama-cpp-python's server needs before it returns any). Servers
that ignore `n` (llama-cpp-python's returns one choice; llama.cpp's caps it at its slot
count) are detected on the first short answer: the missing samples, and from then on
every sample, come from concurrent single requests (at most `max_concurrency` in flight,
each with its own seed). The `openai` client keeps connections alive and retries 429s,
5xx and dropped connections with exponential backoff.

Differences from the in-process backend, by the nature of an HTTP API: the server holds
the tokenizer, so samples carry log-probs but no token ids; `min_new_tokens` and the
straggler cut are not sent (no portable parameter); `stop` strings go to the server,
which ends a sample at any occurrence (also before its first visible character).
No `prompt_embeddings` (agent.llm.base.PromptEmbedder): a server's `/v1/embeddings` is
not that vector (llama.cpp's server pools the raw input, not the rendered chat prompt's
last token, and only when started with --embeddings; vLLM serves it for pooling models
only; a hosted API embeds with another model), so the judges that read it answer with
their fallback probes (agent.judges).

Same sampler as in-process: servers sample with their own defaults (llama-cpp-python's:
top_k 40, min_p 0.05, repeat_penalty 1.1), which would make the same model answer
differently through a server. Each request therefore also sends SAMPLER, the in-process
sampler's settings, as the extra fields vLLM and llama.cpp read (others ignore them); a
server that refuses unknown fields (400) is detected and gets the standard ones only.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from agent.errors import GenerationError, ModelLoadError
from agent.llm.base import Messages, Sample, SamplingParams, validate_messages
from agent.llm.openai_replies import raise_plain, timed_out, to_sample
from agent.llm.token_choice import TOP_K

log = logging.getLogger(__name__)

API_KEY_ENVS = ("CLARION_API_KEY", "OPENAI_API_KEY")
RETRY_BASE_S = 0.5
SAMPLER = {"top_k": TOP_K, "min_p": 0.0, "repeat_penalty": 1.0}
"""The in-process sampler as extra request fields (see the module docstring)."""
DEFAULT_CONTEXT_WINDOW = 2048
"""Used when the server does not say (vLLM reports max_model_len; llama.cpp does not)."""


def api_key_from_env() -> str:
    """The key from $CLARION_API_KEY or $OPENAI_API_KEY; local servers need none."""
    return next((os.environ[e] for e in API_KEY_ENVS if os.environ.get(e)), "none")


class OpenAIBackend:
    """Samples from a model served behind `base_url` (e.g. http://127.0.0.1:8000/v1)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        context_window: int = DEFAULT_CONTEXT_WINDOW,
        timeout_s: float = 300.0,
        max_concurrency: int = 8,
        max_retries: int = 3,
    ):
        import openai

        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"{model} @ {self.base_url}"
        self.context_window = context_window
        self.timeout_s = timeout_s
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self.n_supported: bool | None = None  # None until a request with n > 1 shows it
        self.sampler_fields = True  # False once the server refused them (400)
        self._client = openai.OpenAI(
            base_url=self.base_url,
            api_key=api_key or api_key_from_env(),
            timeout=timeout_s,
            max_retries=0,  # our own retries, bounded by the deadline (_call)
        )
        self._pool = ThreadPoolExecutor(max_concurrency, thread_name_prefix="clarion-openai")
        self._lock = threading.Lock()

    @classmethod
    def load(cls, base_url: str | None, model: str | None = None, **kwargs: Any) -> OpenAIBackend:
        """Connect and check that the server serves `model` (None: the one it serves)."""
        if not base_url:
            raise ModelLoadError(
                "The openai backend needs the server's URL: --base-url http://HOST:PORT/v1"
            )
        backend = cls(base_url, model or "", **kwargs)
        served = backend.served_models()
        if not model:
            if not served:
                raise ModelLoadError(f"The model server at {base_url} serves no model.")
            model = next(iter(served))
        elif model not in served:
            raise ModelLoadError(
                f"The model server at {base_url} does not serve '{model}'; it serves: "
                f"{', '.join(served) or 'nothing'}. Pass one of them with --model."
            )
        backend.model, backend.name = model, f"{model} @ {backend.base_url}"
        backend.context_window = int(served[model].get("max_model_len") or backend.context_window)
        log.info("Model server %s, model %s", backend.base_url, model)
        return backend

    def served_models(self) -> dict[str, dict[str, Any]]:
        """The server's models (GET /models), by id, each with what the server told."""
        page = self._call(lambda client: client.models.list(), self.timeout_s)
        return {m.id: m.model_dump() for m in page.data}

    # -- the contract -----------------------------------------------------------------

    def sample_batch(
        self, conversations: list[Messages], params: SamplingParams
    ) -> list[list[Sample]]:
        """All requests of the batch in flight at once (up to max_concurrency)."""
        for messages in conversations:
            validate_messages(messages)
        got: list[list[Sample]] = [[] for _ in conversations]
        if self.n_supported is not False:
            got = self._gather([(m, params.n, params.seed) for m in conversations], params)
            self._learn_n(params.n, got)
        singles = [
            (i, None if params.seed is None else params.seed + k)
            for i, samples in enumerate(got)
            for k in range(len(samples), params.n)
        ]
        if singles:
            answers = self._gather([(conversations[i], 1, seed) for i, seed in singles], params)
            for (i, _), samples in zip(singles, answers, strict=True):
                got[i] += samples
        return [  # what is still missing, the deadline cut
            samples[: params.n] + [timed_out() for _ in range(params.n - len(samples))]
            for samples in got
        ]

    def sample(self, messages: Messages, params: SamplingParams) -> list[Sample]:
        return self.sample_batch([messages], params)[0]

    def greedy(
        self, messages: Messages, max_new_tokens: int = 64, *, deadline: float | None = None
    ) -> Sample:
        validate_messages(messages)
        params = SamplingParams(n=1, max_new_tokens=max_new_tokens, deadline=deadline)
        samples = self._request(messages, params, n=1, seed=None, temperature=0.0)
        return samples[0] if samples else timed_out()

    def extend(
        self,
        messages: Messages,
        start: Sample,
        max_new_tokens: int,
        on_text: Callable[[str], None] | None = None,
        *,
        deadline: float | None = None,
    ) -> Sample:
        """`start` continued greedily; from an empty start that is the greedy answer
        (the adaptive probe asks so). A non-empty start goes through vLLM's
        `continue_final_message` extension; other servers would open a new reply
        instead, which is why this backend's samples carry no token ids: the agent then
        asks for one greedy final answer (agent/nodes/complete.py) rather than this."""
        validate_messages(messages)
        if start.finish_reason != "length":
            return start
        params = SamplingParams(n=1, max_new_tokens=max_new_tokens, deadline=deadline)
        if start.text:
            prefix = [*messages, {"role": "assistant", "content": start.text}]
            extra = {"continue_final_message": True, "add_generation_prompt": False}
        else:
            prefix, extra = messages, None
        more = self._request(prefix, params, n=1, seed=None, temperature=0.0, extra=extra)
        if not more:
            return Sample(start.text, (), start.token_logprobs, "time")
        piece = more[0].text
        gap = " " if start.text and piece and not piece[0].isspace() else ""
        joined = start.text + gap + piece
        if on_text is not None and piece:
            on_text(joined[len(start.text) :])
        logprobs = tuple(start.token_logprobs) + more[0].token_logprobs
        return Sample(joined.strip(), (), logprobs, more[0].finish_reason)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    # -- requests -----------------------------------------------------------------------

    def _gather(
        self, requests: list[tuple[Messages, int, int | None]], params: SamplingParams
    ) -> list[list[Sample]]:
        jobs = [
            self._pool.submit(self._request, messages, params, n=n, seed=seed)
            for messages, n, seed in requests
        ]
        return [job.result() for job in jobs]

    def _learn_n(self, n: int, got: list[list[Sample]]) -> None:
        """After the first answered request with n > 1: does the server honour n?"""
        answered = [len(samples) for samples in got if samples]
        if n < 2 or not answered or self.n_supported is not None:
            return
        with self._lock:
            self.n_supported = min(answered) >= n
        if not self.n_supported:
            log.info(
                "%s returned %d of %d choices: single requests from now on",
                self.base_url,
                min(answered),
                n,
            )

    def _request(
        self,
        messages: Messages,
        params: SamplingParams,
        *,
        n: int,
        seed: int | None,
        temperature: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> list[Sample]:
        """One chat completion; [] when the turn's deadline ran out first."""
        import openai

        seconds = params.seconds_left(self.timeout_s)
        if seconds <= 0:
            return []
        kwargs: dict[str, Any] = dict(
            model=self.model,
            messages=messages,
            max_tokens=params.max_new_tokens,
            temperature=params.temperature if temperature is None else temperature,
            top_p=params.top_p,
            logprobs=True,
            top_logprobs=1,
        )
        if n > 1:
            kwargs["n"] = n
        if seed is not None:
            kwargs["seed"] = seed
        if params.stop:
            kwargs["stop"] = list(params.stop)
        own = {**(SAMPLER if self.sampler_fields else {}), **(extra or {})}
        if own:
            kwargs["extra_body"] = own

        def create(client: Any) -> Any:
            try:
                return client.chat.completions.create(**kwargs)
            except openai.BadRequestError as exc:  # refused for one of our fields?
                if not self.sampler_fields or not any(k in str(exc) for k in SAMPLER):
                    raise
                log.info("%s refused the sampler fields: sending standard ones only", self.name)
                self.sampler_fields = False
                kwargs.pop("extra_body", None)
                if extra:
                    kwargs["extra_body"] = extra
                return client.chat.completions.create(**kwargs)

        try:
            response = self._call(create, seconds)
        except openai.APITimeoutError:
            if params.deadline is not None:
                return []  # the turn's time is up: the caller reports it
            raise GenerationError(
                f"The model server at {self.base_url} did not answer within "
                f"{seconds:.0f} s. Try again, or lower samples / max_new_tokens."
            ) from None
        return [to_sample(c, params.stop, self.base_url) for c in response.choices]

    def _call(self, make: Callable[[Any], Any], seconds: float) -> Any:
        """make(client) within `seconds`, retried with exponential backoff on 429, 5xx and
        dropped connections (never after a timeout: the deadline is the deadline).
        Failures become ClarionErrors; APITimeoutError passes through for the caller."""
        import openai

        give_up = time.monotonic() + seconds
        for attempt in range(self.max_retries + 1):
            left = max(give_up - time.monotonic(), 0.001)
            try:
                return make(self._client.with_options(timeout=left))
            except openai.APITimeoutError:
                raise
            except (
                openai.RateLimitError,
                openai.InternalServerError,
                openai.APIConnectionError,
            ) as exc:
                wait = RETRY_BASE_S * 2**attempt
                if attempt < self.max_retries and time.monotonic() + wait < give_up:
                    log.info("model server busy or unreachable: retrying in %.1f s", wait)
                    time.sleep(wait)
                    continue
                raise_plain(exc, self.base_url, self.model)
            except openai.APIError as exc:
                raise_plain(exc, self.base_url, self.model)
        raise AssertionError("unreachable")

"""A GGUF file run in-process by llama.cpp (llama-cpp-python's low-level API).

Every sample of a call decodes in ONE multi-sequence batch per step: each conversation's
prompt is prefilled once, its tokens tagged with the sequence ids of all its n samples
(the KV cache is unified, so the prefix is stored once; tokens that several prompts
share, such as their system prompt, are decoded once for all of them: prefill_entries),
then each step feeds one token per running sequence. The KV of the last call is kept:
a later call whose prompt starts with tokens already decoded (the greedy probe, then
samples of the same prompt; a sample, then its continuation) prefills only what is new,
except a seeded call: it starts from an empty cache, because the float sums over a
reused KV (other cells, another batch shape) differ in the last bits from a fresh
prefill's, which is enough to change a seeded draw; a seed promises the same samples,
and re-prefilling a prompt costs little next to decoding its samples. Tokens are chosen
in numpy from the raw logits (agent.llm.token_choice: transformers' order and default
top-k), so the log-prob of each chosen token is the unscaled distribution's, as the
contract asks.

Why not `Llama.create_completion`: it decodes one sequence at a time (N samples = N
passes over the weights per step) and its logprobs are those of the sampled
distribution. The parts: agent.llm.llamacpp_decoder (the model, its context and batch:
llama.cpp's low-level calls), agent.llm.llamacpp_prefill (which tokens a call prefills),
agent.llm.llamacpp_sampling (the decode loop); loading (the F16 copy of a quantized
file, the build's AMX quirk, the thread defaults) is agent.llm.llamacpp_setup.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from agent.errors import GenerationError, InvalidInputError, ModelLoadError
from agent.llm.base import Messages, Sample, SamplingParams, check_fits, validate_messages
from agent.llm.llamacpp_decoder import MAX_SEQUENCES, N_BATCH, N_CTX, Decoder
from agent.llm.llamacpp_prefill import best_prefix, call_groups, prefill_entries
from agent.llm.llamacpp_sampling import Seq, decode, to_sample
from agent.llm.llamacpp_setup import f16_copy

log = logging.getLogger(__name__)


class LlamaCppBackend:
    def __init__(
        self,
        gguf_path: str,
        name: str | None = None,
        n_ctx: int = N_CTX,
        threads: int | None = None,
        max_time_s: float = 300.0,  # a call without a deadline stops after this long
    ):
        self.name = name or Path(gguf_path).name
        self.max_time_s = max_time_s
        self._decoder = Decoder(gguf_path, n_ctx, threads)
        self._model = self._decoder.model
        self.n_ctx = self._decoder.n_ctx
        self.context_window = self.n_ctx
        self.n_embd = self._decoder.n_embd
        self._template = self._chat_template()
        self._kept: dict[int, list[int]] = {}  # sequence id -> tokens whose KV is cached
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls, spec: str | None = None, dequantize: bool = True, **kwargs: Any
    ) -> LlamaCppBackend:
        from agent.llm.loading import resolve

        source = resolve(spec)
        if source.kind != "gguf":
            raise ModelLoadError(f"llama.cpp needs a .gguf file; {spec!r} is a {source.kind}.")
        started = time.perf_counter()
        path, tag = (
            (f16_copy(source.location), "llama.cpp, F16")
            if dequantize
            else (
                source.location,
                "llama.cpp",
            )
        )
        backend = cls(path, name=f"{source.display_name} [{tag}]", **kwargs)
        log.info("Model ready in %.1f s (llama.cpp)", time.perf_counter() - started)
        return backend

    def set_threads(self, threads: int) -> None:
        self._decoder.set_threads(threads)

    # -- prompts --------------------------------------------------------------

    def _chat_template(self) -> Any:
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        source = self._model.metadata().get("tokenizer.chat_template")
        if not source:
            raise ModelLoadError(f"{self.name} has no chat template in its GGUF metadata.")
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        return env.from_string(source)

    def render(self, messages: Messages) -> str:
        """The chat template applied to a conversation, ending with the assistant cue.
        Text that tokenizes differently when special tokens are parsed holds one of the
        model's control tokens: refused, or the template would read it as structure."""
        validate_messages(messages)
        for message in messages:
            raw = message["content"].encode("utf-8")
            tokenize = self._model.tokenize
            if tokenize(raw, add_bos=False, special=True) != tokenize(raw, False, special=False):
                raise InvalidInputError(
                    "The message contains one of the model's control tokens (like "
                    "'<|im_end|>'); remove it and try again."
                )
        prompt: str = self._template.render(messages=messages, add_generation_prompt=True)
        return prompt

    def tokens(self, text: str) -> list[int]:
        return list(self._model.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def detokenize(self, ids: list[int]) -> str:
        if not ids:
            return ""
        raw = self._model.detokenize(list(ids), special=False)
        return raw.decode("utf-8", errors="ignore")

    # -- the contract ---------------------------------------------------------

    def sample_batch(
        self, conversations: list[Messages], params: SamplingParams
    ) -> list[list[Sample]]:
        if not conversations:
            return []
        prompts = [self.tokens(self.render(m)) for m in conversations]
        rng = np.random.default_rng(params.seed)
        out: list[list[Sample]] = []
        for group in self._groups(prompts, params.n, params.max_new_tokens):
            samples = self._generate([prompts[i] for i in group], params, rng)
            out += [samples[j * params.n : (j + 1) * params.n] for j in range(len(group))]
        return out

    def sample(self, messages: Messages, params: SamplingParams) -> list[Sample]:
        return self.sample_batch([messages], params)[0]

    def greedy(
        self, messages: Messages, max_new_tokens: int = 64, *, deadline: float | None = None
    ) -> Sample:
        params = SamplingParams(n=1, max_new_tokens=max_new_tokens, deadline=deadline)
        prompt = self.tokens(self.render(messages))
        self._check_fits([prompt], 1, max_new_tokens)
        return self._generate([prompt], params, None)[0]

    def extend(
        self,
        messages: Messages,
        start: Sample,
        max_new_tokens: int,
        on_text: Callable[[str], None] | None = None,
        *,
        deadline: float | None = None,
    ) -> Sample:
        """`start` (an answer cut short) continued greedily to its end, up to
        `max_new_tokens` tokens in all; `on_text` gets each new piece of text. The KV of
        `start` is reused when it is still cached (it is, right after sampling it)."""
        prompt = self.tokens(self.render(messages))
        begun = list(start.token_ids)
        budget = max_new_tokens - len(begun)
        if budget < 1:
            return start
        self._check_fits([prompt + begun], 1, budget)
        params = SamplingParams(n=1, max_new_tokens=budget, deadline=deadline)
        more = self._generate([prompt], params, None, start=begun, on_text=on_text)[0]
        return Sample(
            text=more.text,
            token_ids=more.token_ids,
            token_logprobs=tuple(start.token_logprobs) + more.token_logprobs,
            finish_reason=more.finish_reason,
        )

    def prompt_embeddings(self, conversations: list[Messages]) -> np.ndarray:
        """The model's final-layer state (after its last norm, the vector the LM head
        reads) at each rendered prompt's last token, the assistant cue: one row of
        n_embd per conversation. The prompts are prefilled as a generation prefills them
        (a shared system prompt decoded once: prefill_entries), all but their last
        tokens without any output; the last tokens then in embedding mode (llama.cpp
        outputs every token of an embedding batch, so only those go in it). The KV is
        kept: a greedy answer to the same prompt right after decodes only its last token."""
        if not conversations:
            return np.zeros((0, self.n_embd), dtype=np.float32)
        prompts = [self.tokens(self.render(m)) for m in conversations]
        self._check_fits(prompts, 1, 1)
        rows: list[np.ndarray] = []
        with self._lock:
            for group in self._groups(prompts, 1, 1):
                self._reset()
                plan = [(prompts[i], [sid], 0) for sid, i in enumerate(group)]
                entries = prefill_entries(plan)
                last = [e for e in entries if e[2] == len(e[0]) - 1]
                self._decoder.feed([e for e in entries if e[2] < len(e[0]) - 1], outputs=False)
                self._decoder.embeddings(True)
                try:
                    for lo in range(0, len(last), N_BATCH):
                        chunk = last[lo : lo + N_BATCH]
                        self._decoder.fill(
                            [(t[pos], sids, pos) for t, sids, pos in chunk], [True] * len(chunk)
                        )
                        rows += [self._decoder.embedding(j) for j in range(len(chunk))]
                finally:
                    self._decoder.embeddings(False)
                self._kept = {sids[0]: list(tokens) for tokens, sids, _ in plan}
        return np.stack(rows)

    # -- generation -----------------------------------------------------------

    def _check_fits(self, prompts: list[list[int]], n: int, max_new: int) -> None:
        check_fits(max(len(p) for p in prompts), max_new, self.context_window)

    def _groups(self, prompts: list[list[int]], n: int, max_new: int) -> list[list[int]]:
        """Conversations split so each group's sequences and KV cells fit one call."""
        self._check_fits(prompts, n, max_new)
        return call_groups(prompts, n, max_new, self.n_ctx)

    def _generate(
        self,
        prompts: list[list[int]],
        params: SamplingParams,
        rng: np.random.Generator | None,
        start: list[int] | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> list[Sample]:
        """params.n sequences per prompt (rng None: greedy); `start`: tokens the answer
        already begins with (one prompt, greedy)."""
        with self._lock:
            stop_at = time.perf_counter() + params.seconds_left(default=self.max_time_s)
            for attempt in (1, 2):  # a full KV cache: retry once with the cache emptied
                try:
                    seqs, logits = self._prefill(prompts, params, start or [])
                    decode(
                        self._decoder, self.detokenize, seqs, logits, params, rng, stop_at, on_text
                    )
                    break
                except RuntimeError as exc:
                    self._reset()
                    if attempt == 2:
                        raise GenerationError(f"The model failed while generating: {exc}") from exc
            self._kept = {s.sid: s.fed for s in seqs}
        prefix = list(start or [])
        return [to_sample(s, params.stop, prefix, self.detokenize) for s in seqs]

    def clear_cache(self) -> None:
        """Forget the kept KV: the next call prefills from scratch (the bench times each
        turn so, or the first of two turns on one prompt would warm the second)."""
        with self._lock:
            self._reset()

    def _reset(self) -> None:
        self._decoder.clear()
        self._kept = {}

    def _prefill(
        self, prompts: list[list[int]], params: SamplingParams, start: list[int]
    ) -> tuple[list[Seq], np.ndarray]:
        """Assign sequence ids, reuse cached prefixes, decode the rest of each prompt.
        Returns the sequences and the logits (one row per prompt) to choose from."""
        if params.seed is not None:
            self._reset()  # the same samples for the same seed (module docstring)
        n = params.n
        free = [i for i in range(MAX_SEQUENCES) if i not in self._kept][: len(prompts) * n]
        full = [p + start for p in prompts]
        plan = []  # (prompt tokens, sequence ids, reused prefix length)
        cells = sum(len(t) for t in self._kept.values())
        if cells + sum(len(t) for t in full) + len(full) * n * params.max_new_tokens > self.n_ctx:
            self._reset()  # not enough room to keep the old KV next to the new
        for i, tokens in enumerate(full):
            sids = free[i * n : (i + 1) * n]
            src, reuse = best_prefix(self._kept, tokens)
            for sid in sids:
                self._decoder.drop(sid)
                if reuse:
                    self._decoder.copy(src, sid, reuse)
            plan.append((tokens, sids, reuse))
        for sid in list(self._kept):
            self._decoder.drop(sid)
        self._kept = {}
        rows = self._decoder.feed(prefill_entries(plan))
        seqs = [Seq(sid, list(tokens)) for tokens, sids, _ in plan for sid in sids]
        logits = np.repeat(rows, n, axis=0)
        return seqs, logits

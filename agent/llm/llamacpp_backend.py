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
distribution. Loading (the F16 copy of a quantized file, the build's AMX quirk, the
thread defaults) is agent.llm.llamacpp_setup.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agent.errors import GenerationError, InvalidInputError, ModelLoadError
from agent.llm.base import (
    FinishReason,
    Messages,
    Sample,
    SamplingParams,
    check_fits,
    validate_messages,
)
from agent.llm.llamacpp_setup import amx_build, default_threads, f16_copy, quiet
from agent.llm.stopping import StragglerCut, cut_at_stop
from agent.llm.token_choice import choose

log = logging.getLogger(__name__)

N_CTX = 8192  # KV cells shared by all sequences of a call (~23 kB each for SmolLM2-135M)
N_BATCH = 512
MAX_SEQUENCES = 64  # sequence ids; one call uses at most half (the other half is kept KV)


@dataclass
class _Seq:
    """One sequence being generated: its id, what is decoded, what it made."""

    sid: int
    fed: list[int]  # tokens whose KV is in the cache, in order (positions 0..len-1)
    new: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    reason: FinishReason | None = None  # set when finished


class LlamaCppBackend:
    def __init__(
        self,
        gguf_path: str,
        name: str | None = None,
        n_ctx: int = N_CTX,
        threads: int | None = None,
        max_time_s: float = 300.0,  # a call without a deadline stops after this long
    ):
        import llama_cpp
        from llama_cpp import _internals

        self._llama = llama_cpp
        quiet()
        self.name = name or Path(gguf_path).name
        self.max_time_s = max_time_s
        llama_cpp.llama_backend_init()
        mparams = llama_cpp.llama_model_default_params()
        if amx_build():
            mparams.use_extra_bufts = False  # see agent.llm.llamacpp_setup
        try:
            self._model = _internals.LlamaModel(path_model=gguf_path, params=mparams, verbose=False)
        except ValueError as exc:
            raise ModelLoadError(f"llama.cpp could not load {gguf_path}: {exc}") from exc
        self._vocab = self._model.vocab
        train = int(llama_cpp.llama_model_n_ctx_train(self._model.model))
        self.n_ctx = min(n_ctx, train) if train > 0 else n_ctx
        self.context_window = self.n_ctx
        cparams = llama_cpp.llama_context_default_params()
        cparams.n_ctx = self.n_ctx
        cparams.n_batch = N_BATCH
        cparams.n_ubatch = N_BATCH
        cparams.n_seq_max = MAX_SEQUENCES
        cparams.kv_unified = True  # a shared prefix is stored once for all its sequences
        decode_threads, batch_threads = (threads, threads) if threads else default_threads()
        cparams.n_threads, cparams.n_threads_batch = decode_threads, batch_threads
        self._ctx = _internals.LlamaContext(model=self._model, params=cparams, verbose=False)
        self._batch = _internals.LlamaBatch(
            n_tokens=N_BATCH, embd=0, n_seq_max=MAX_SEQUENCES, verbose=False
        )
        self.n_vocab = int(llama_cpp.llama_vocab_n_tokens(self._vocab))
        self.n_embd = int(llama_cpp.llama_model_n_embd(self._model.model))
        self._eog = np.array(
            [bool(llama_cpp.llama_vocab_is_eog(self._vocab, t)) for t in range(self.n_vocab)]
        )
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
        self._llama.llama_set_n_threads(self._ctx.ctx, threads, threads)

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
                self._feed([e for e in entries if e[2] < len(e[0]) - 1], outputs=False)
                self._llama.llama_set_embeddings(self._ctx.ctx, True)
                try:
                    for lo in range(0, len(last), N_BATCH):
                        chunk = last[lo : lo + N_BATCH]
                        self._fill(
                            [(t[pos], sids, pos) for t, sids, pos in chunk], [True] * len(chunk)
                        )
                        rows += [self._embedding(j) for j in range(len(chunk))]
                finally:
                    self._llama.llama_set_embeddings(self._ctx.ctx, False)
                self._kept = {sids[0]: list(tokens) for tokens, sids, _ in plan}
        return np.stack(rows)

    def _embedding(self, i: int) -> np.ndarray:
        ptr = self._llama.llama_get_embeddings_ith(self._ctx.ctx, i)
        return np.ctypeslib.as_array(ptr, shape=(self.n_embd,)).copy()

    # -- generation -----------------------------------------------------------

    def _check_fits(self, prompts: list[list[int]], n: int, max_new: int) -> None:
        check_fits(max(len(p) for p in prompts), max_new, self.context_window)

    def _groups(self, prompts: list[list[int]], n: int, max_new: int) -> list[list[int]]:
        """Conversations split so each group's sequences and KV cells fit one call."""
        self._check_fits(prompts, n, max_new)
        per_call = MAX_SEQUENCES // 2
        if n > per_call:
            raise GenerationError(f"At most {per_call} samples per conversation in one call.")
        groups: list[list[int]] = [[]]
        cells = 0
        for i, prompt in enumerate(prompts):
            need = len(prompt) + n * max_new
            if groups[-1] and (
                (len(groups[-1]) + 1) * n > per_call or cells + need > self.n_ctx // 2
            ):
                groups.append([])
                cells = 0
            groups[-1].append(i)
            cells += need
        return groups

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
                    self._decode(seqs, logits, params, rng, stop_at, on_text)
                    break
                except RuntimeError as exc:
                    self._reset()
                    if attempt == 2:
                        raise GenerationError(f"The model failed while generating: {exc}") from exc
            self._kept = {s.sid: s.fed for s in seqs}
        prefix = list(start or [])
        return [self._to_sample(s, params.stop, prefix) for s in seqs]

    def clear_cache(self) -> None:
        """Forget the kept KV: the next call prefills from scratch (the bench times each
        turn so, or the first of two turns on one prompt would warm the second)."""
        with self._lock:
            self._reset()

    def _reset(self) -> None:
        self._llama.llama_memory_clear(self._ctx.memory, True)
        self._kept = {}

    def _prefill(
        self, prompts: list[list[int]], params: SamplingParams, start: list[int]
    ) -> tuple[list[_Seq], np.ndarray]:
        """Assign sequence ids, reuse cached prefixes, decode the rest of each prompt.
        Returns the sequences and the logits (one row per prompt) to choose from."""
        if params.seed is not None:
            self._reset()  # the same samples for the same seed (module docstring)
        mem, n = self._ctx.memory, params.n
        free = [i for i in range(MAX_SEQUENCES) if i not in self._kept][: len(prompts) * n]
        full = [p + start for p in prompts]
        plan = []  # (prompt tokens, sequence ids, reused prefix length)
        cells = sum(len(t) for t in self._kept.values())
        if cells + sum(len(t) for t in full) + len(full) * n * params.max_new_tokens > self.n_ctx:
            self._reset()  # not enough room to keep the old KV next to the new
        for i, tokens in enumerate(full):
            sids = free[i * n : (i + 1) * n]
            src, reuse = self._best_prefix(tokens)
            for sid in sids:
                self._llama.llama_memory_seq_rm(mem, sid, -1, -1)
                if reuse:
                    self._llama.llama_memory_seq_cp(mem, src, sid, 0, reuse)
            plan.append((tokens, sids, reuse))
        for sid in list(self._kept):
            self._llama.llama_memory_seq_rm(mem, sid, -1, -1)
        self._kept = {}
        rows = self._feed(prefill_entries(plan))
        seqs = [_Seq(sid, list(tokens)) for tokens, sids, _ in plan for sid in sids]
        logits = np.repeat(rows, n, axis=0)
        return seqs, logits

    def _best_prefix(self, tokens: list[int]) -> tuple[int, int]:
        """(kept sequence, length) of the longest cached prefix of `tokens`, at most all
        but the last token (its logits are needed, so it is always decoded again)."""
        best, length = -1, 0
        for sid, kept in self._kept.items():
            same = _same_start(kept, tokens, min(len(kept), len(tokens) - 1))
            if same > length:
                best, length = sid, same
        return best, length

    def _feed(self, pending: list[tuple[Any, ...]], outputs: bool = True) -> np.ndarray:
        """Decode (tokens, sequence ids, position) entries in N_BATCH chunks; the logits
        of each prompt's last token, in order (none when not `outputs`)."""
        rows = []
        for lo in range(0, len(pending), N_BATCH):
            chunk = pending[lo : lo + N_BATCH]
            wanted = [outputs and pos == len(t) - 1 for t, _, pos in chunk]
            self._fill([(t[pos], sids, pos) for t, sids, pos in chunk], wanted)
            rows.append(self._logits(sum(wanted)))
        return np.concatenate(rows) if rows else np.zeros((0, self.n_vocab), dtype=np.float32)

    def _fill(self, entries: list[tuple[int, list[int], int]], wanted: list[bool]) -> None:
        batch = self._batch.batch
        batch.n_tokens = len(entries)
        for j, ((token, sids, pos), logits) in enumerate(zip(entries, wanted, strict=True)):
            batch.token[j] = token
            batch.pos[j] = pos
            batch.n_seq_id[j] = len(sids)
            for k, sid in enumerate(sids):
                batch.seq_id[j][k] = sid
            batch.logits[j] = logits
        code = self._llama.llama_decode(self._ctx.ctx, batch)
        if code != 0:
            raise RuntimeError(f"llama_decode returned {code}")

    def _logits(self, rows: int) -> np.ndarray:
        if not rows:
            return np.zeros((0, self.n_vocab), dtype=np.float32)
        ptr = self._llama.llama_get_logits(self._ctx.ctx)
        flat = np.ctypeslib.as_array(
            ctypes.cast(ptr, ctypes.POINTER(ctypes.c_float)), shape=(rows * self.n_vocab,)
        )
        return flat.reshape(rows, self.n_vocab).copy()

    def _decode(
        self,
        seqs: list[_Seq],
        logits: np.ndarray,
        params: SamplingParams,
        rng: np.random.Generator | None,
        stop_at: float,
        on_text: Callable[[str], None] | None,
    ) -> None:
        stops, cut = params.stop, StragglerCut(params.straggler_factor)
        running = list(seqs)
        shown = 0
        for step in range(params.max_new_tokens):
            banned = self._eog if step < params.min_new_tokens else None
            chosen, lps = choose(logits, rng, params.temperature, params.top_p, banned=banned)
            for seq, token, lp in zip(running, chosen.tolist(), lps.tolist(), strict=True):
                if self._eog[token]:
                    seq.reason = "stop"
                    continue
                seq.new.append(token)
                seq.logprobs.append(lp)
                if stops and cut_at_stop(self.detokenize(seq.new), stops) is not None:
                    seq.reason = "stop"
            if on_text is not None:
                text = self.detokenize(seqs[0].new)
                if len(text) > shown:
                    on_text(text[shown:])
                    shown = len(text)
            ended = sum(s.reason is not None for s in seqs)
            running = [s for s in running if s.reason is None]
            if not running:
                return
            if step + 1 >= params.max_new_tokens or cut.should_cut(ended, len(seqs), step + 1):
                break
            if time.perf_counter() >= stop_at:
                for s in running:
                    s.reason = "time"
                return
            self._fill([(s.new[-1], [s.sid], len(s.fed)) for s in running], [True] * len(running))
            for s in running:
                s.fed.append(s.new[-1])
            logits = self._logits(len(running))
        for s in running:
            s.reason = "length"

    def _to_sample(self, seq: _Seq, stops: tuple[str, ...], prefix: list[int]) -> Sample:
        ids, logprobs = list(seq.new), list(seq.logprobs)
        text = self.detokenize(prefix + ids)
        reason: FinishReason = seq.reason or "length"
        cut = cut_at_stop(text, stops) if stops and not prefix else None
        if cut is not None:  # keep the tokens up to the one that completed the stop
            keep = next(
                k
                for k in range(1, len(ids) + 1)
                if cut_at_stop(self.detokenize(ids[:k]), stops) is not None
            )
            ids, logprobs, text, reason = ids[:keep], logprobs[:keep], text[:cut], "stop"
        return Sample(
            text=text.strip(),
            token_ids=tuple(prefix + ids),
            token_logprobs=tuple(logprobs),
            finish_reason=reason,
        )


Plan = list[tuple[list[int], list[int], int]]  # (prompt tokens, sequence ids, reused length)


def prefill_entries(plan: Plan) -> list[tuple[list[int], list[int], int]]:
    """The (tokens, sequence ids, position) entries that prefill `plan`. When nothing is
    reused from the kept KV (a seeded call, a cold cache), a token that several prompts
    share after the same prefix (the system prompt of every cell, the perspective
    template) is decoded once, tagged with all their sequences: the unified KV cache
    stores it once, as it does a prompt's n samples. Each prompt's last token stays its
    own (its logits are that prompt's row). A value-laden turn's 8 conversations: 828
    prompt tokens, 555 decoded."""
    if any(reuse for _, _, reuse in plan):  # a reused prefix: each prompt decodes the rest
        return [(t, sids, pos) for t, sids, reuse in plan for pos in range(reuse, len(t))]
    entries = []
    for i, (tokens, sids, _) in enumerate(plan):
        shared = [_shared(tokens, other) if j != i else 0 for j, (other, _, _) in enumerate(plan)]
        for pos in range(len(tokens)):
            if any(shared[j] > pos for j in range(i)):
                continue  # an earlier prompt's entry already carries this sequence
            later = [sid for k in range(i + 1, len(plan)) if shared[k] > pos for sid in plan[k][1]]
            entries.append((tokens, [*sids, *later], pos))
    return entries


def _shared(a: list[int], b: list[int]) -> int:
    """How many leading tokens a and b share, at most all but the last of either."""
    return _same_start(a, b, min(len(a), len(b)) - 1)


def _same_start(a: list[int], b: list[int], limit: int) -> int:
    """How many leading tokens a and b share, at most `limit`."""
    same = 0
    while same < limit and a[same] == b[same]:
        same += 1
    return same

"""llama.cpp's low-level API as the llama.cpp backend uses it: one model, one context, one batch.

The context's KV cache is unified over MAX_SEQUENCES sequence ids (a prefix that several
sequences share is stored once). `fill` puts (token, sequence ids, position) entries in
the batch and decodes them, `logits` and `embedding` read the outputs back, and `clear`,
`drop` and `copy` edit what the cache's sequences hold. Which tokens to decode, and what
the kept KV holds, is agent.llm.llamacpp_backend's (with agent.llm.llamacpp_prefill);
loading quirks (the F16 copy, AMX, the thread defaults) are agent.llm.llamacpp_setup's.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from agent.errors import ModelLoadError
from agent.llm.llamacpp_setup import amx_build, default_threads, quiet

N_CTX = 8192  # KV cells shared by all sequences of a call (~23 kB each for SmolLM2-135M)
N_BATCH = 512
MAX_SEQUENCES = 64  # sequence ids; one call uses at most half (the other half is kept KV)

Entry = tuple[int, list[int], int]  # (token, sequence ids, position)


class Decoder:
    """A GGUF model loaded by llama.cpp, with its context and its batch."""

    def __init__(self, gguf_path: str, n_ctx: int, threads: int | None) -> None:
        import llama_cpp
        from llama_cpp import _internals

        self._llama = llama_cpp
        quiet()
        llama_cpp.llama_backend_init()
        mparams = llama_cpp.llama_model_default_params()
        if amx_build():
            mparams.use_extra_bufts = False  # see agent.llm.llamacpp_setup
        try:
            self.model = _internals.LlamaModel(path_model=gguf_path, params=mparams, verbose=False)
        except ValueError as exc:
            raise ModelLoadError(f"llama.cpp could not load {gguf_path}: {exc}") from exc
        vocab = self.model.vocab
        train = int(llama_cpp.llama_model_n_ctx_train(self.model.model))
        self.n_ctx = min(n_ctx, train) if train > 0 else n_ctx
        cparams = llama_cpp.llama_context_default_params()
        cparams.n_ctx = self.n_ctx
        cparams.n_batch = N_BATCH
        cparams.n_ubatch = N_BATCH
        cparams.n_seq_max = MAX_SEQUENCES
        cparams.kv_unified = True  # a shared prefix is stored once for all its sequences
        decode_threads, batch_threads = (threads, threads) if threads else default_threads()
        cparams.n_threads, cparams.n_threads_batch = decode_threads, batch_threads
        self._ctx = _internals.LlamaContext(model=self.model, params=cparams, verbose=False)
        self._batch = _internals.LlamaBatch(
            n_tokens=N_BATCH, embd=0, n_seq_max=MAX_SEQUENCES, verbose=False
        )
        self.n_vocab = int(llama_cpp.llama_vocab_n_tokens(vocab))
        self.n_embd = int(llama_cpp.llama_model_n_embd(self.model.model))
        self.eog = np.array(
            [bool(llama_cpp.llama_vocab_is_eog(vocab, t)) for t in range(self.n_vocab)]
        )
        """Per token id: does it end a generation (EOS, end of turn)."""

    def set_threads(self, threads: int) -> None:
        self._llama.llama_set_n_threads(self._ctx.ctx, threads, threads)

    # -- decoding -------------------------------------------------------------

    def feed(self, pending: list[tuple[Any, ...]], outputs: bool = True) -> np.ndarray:
        """Decode (tokens, sequence ids, position) entries in N_BATCH chunks; the logits
        of each prompt's last token, in order (none when not `outputs`)."""
        rows = []
        for lo in range(0, len(pending), N_BATCH):
            chunk = pending[lo : lo + N_BATCH]
            wanted = [outputs and pos == len(t) - 1 for t, _, pos in chunk]
            self.fill([(t[pos], sids, pos) for t, sids, pos in chunk], wanted)
            rows.append(self.logits(sum(wanted)))
        return np.concatenate(rows) if rows else np.zeros((0, self.n_vocab), dtype=np.float32)

    def fill(self, entries: list[Entry], wanted: list[bool]) -> None:
        """Decode one batch of entries; `wanted`: which of them output (logits or embedding)."""
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

    def logits(self, rows: int) -> np.ndarray:
        """The last batch's logits: one row per output entry, in order."""
        if not rows:
            return np.zeros((0, self.n_vocab), dtype=np.float32)
        ptr = self._llama.llama_get_logits(self._ctx.ctx)
        flat = np.ctypeslib.as_array(
            ctypes.cast(ptr, ctypes.POINTER(ctypes.c_float)), shape=(rows * self.n_vocab,)
        )
        return flat.reshape(rows, self.n_vocab).copy()

    def embeddings(self, on: bool) -> None:
        """Embedding mode on (the outputs are final-layer states, every entry outputs) or off."""
        self._llama.llama_set_embeddings(self._ctx.ctx, on)

    def embedding(self, i: int) -> np.ndarray:
        """The last batch's i-th output in embedding mode."""
        ptr = self._llama.llama_get_embeddings_ith(self._ctx.ctx, i)
        return np.ctypeslib.as_array(ptr, shape=(self.n_embd,)).copy()

    # -- the KV cache ---------------------------------------------------------

    def clear(self) -> None:
        """Every sequence's KV gone."""
        self._llama.llama_memory_clear(self._ctx.memory, True)

    def drop(self, sid: int) -> None:
        """Sequence `sid`'s KV gone."""
        self._llama.llama_memory_seq_rm(self._ctx.memory, sid, -1, -1)

    def copy(self, src: int, dst: int, length: int) -> None:
        """Sequence `dst` also holds the KV of `src`'s first `length` positions."""
        self._llama.llama_memory_seq_cp(self._ctx.memory, src, dst, 0, length)

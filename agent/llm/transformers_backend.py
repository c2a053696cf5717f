"""Any Hugging Face causal LM (hub id, folder or GGUF), optionally bitsandbytes-quantized.

All samples of a request come from one batched `generate` call: several conversations
are left-padded into one batch and each is expanded to `n` sequences, so the model runs
one decoding loop for everything.

Speed (measured by `python -m eval bench`): `generate(num_return_sequences=n)` repeats
each prompt n times *before* the prefill, so it runs the prompt through the model n
times. With `share_prefill` we run the prompt (all but its last token) once, repeat
the resulting KV cache n times, and let `generate` continue from it. Rendered prompts
are tokenized once and remembered. `generate` itself stops as soon as every sequence
has produced EOS.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from agent.errors import GenerationError, InvalidInputError
from agent.llm.base import (
    FinishReason,
    Messages,
    Sample,
    SamplingParams,
    check_fits,
    validate_messages,
)
from agent.llm.loading import Quantize, load_model
from agent.llm.stopping import stop_criteria
from agent.llm.transformers_generate import (
    TextPieces,
    chosen_token_logprobs,
    shared_prefill,
    to_sample,
)

log = logging.getLogger(__name__)


class TransformersBackend:
    TOKEN_CACHE_SIZE = 256

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        name: str,
        device: str,
        max_time_s: float = 300.0,  # a call without a deadline stops after this long
        share_prefill: bool = True,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.device = device
        self.max_time_s = max_time_s
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.context_window = int(getattr(model.config, "max_position_embeddings", 2048))
        self._lock = threading.Lock()  # one generate at a time; the global RNG is shared
        self.share_prefill = share_prefill  # prefill each prompt once for its n samples
        self._token_cache: OrderedDict[str, list[int]] = OrderedDict()  # prompt -> ids (LRU)
        self._cache_lock = threading.Lock()
        self._specials = sorted(
            {t.content for t in tokenizer.added_tokens_decoder.values() if t.special}
            | set(tokenizer.all_special_tokens),
            key=len,
            reverse=True,
        )

    @classmethod
    def load(
        cls,
        spec: str | None = None,
        quantize: Quantize = "none",
        device: str | None = None,
        threads: int | None = None,
        **kwargs: Any,
    ) -> TransformersBackend:
        started = time.perf_counter()
        if threads:
            import torch

            torch.set_num_threads(threads)  # process-wide: torch has one intra-op pool
        model, tokenizer, source, device = load_model(spec, quantize, device)
        log.info("Model ready in %.1f s", time.perf_counter() - started)
        name = source.display_name + ("" if quantize == "none" else f" [{quantize}]")
        return cls(model, tokenizer, name, device, **kwargs)

    # -- prompts --------------------------------------------------------------

    def render(self, messages: Messages) -> str:
        """The chat template applied to a conversation, ending with the assistant cue.
        Text holding one of the tokenizer's special tokens is refused: the template
        would turn it into structure (a fake turn boundary, a system prompt)."""
        validate_messages(messages)
        for message in messages:
            token = next((t for t in self._specials if t in message["content"]), None)
            if token is not None:
                raise InvalidInputError(
                    f"The message contains the model's control token {token!r}; remove it "
                    "and try again."
                )
        prompt: str = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=False
        )
        return prompt

    def _tokens(self, prompt: str) -> list[int]:
        """Token ids of a rendered prompt, tokenized once (LRU-cached)."""
        with self._cache_lock:  # an OrderedDict is not safe to reorder from two threads
            ids = self._token_cache.get(prompt)
            if ids is not None:
                self._token_cache.move_to_end(prompt)
                return ids
        ids = list(self.tokenizer(prompt, add_special_tokens=False)["input_ids"])
        with self._cache_lock:
            self._token_cache[prompt] = ids
            while len(self._token_cache) > self.TOKEN_CACHE_SIZE:
                self._token_cache.popitem(last=False)
        return ids

    def clear_token_cache(self) -> None:
        """Forget the tokenized prompts (benchmarks measure cold tokenization)."""
        with self._cache_lock:
            self._token_cache.clear()

    def encode(self, conversations: list[Messages], max_new_tokens: int) -> dict[str, Any]:
        """Left-padded input_ids and attention_mask for a batch of conversations."""
        import torch

        rows = [self._tokens(self.render(m)) for m in conversations]
        longest = max(len(r) for r in rows)
        check_fits(longest, max_new_tokens, self.context_window)
        pad = self.tokenizer.pad_token_id
        ids = torch.tensor([[pad] * (longest - len(r)) + r for r in rows], dtype=torch.long)
        mask = torch.tensor(
            [[0] * (longest - len(r)) + [1] * len(r) for r in rows], dtype=torch.long
        )
        return {
            "input_ids": ids.to(self.model.device),
            "attention_mask": mask.to(self.model.device),
        }

    # -- generation -----------------------------------------------------------

    def sample_batch(
        self, conversations: list[Messages], params: SamplingParams
    ) -> list[list[Sample]]:
        if not conversations:
            return []
        batch = self.encode(conversations, params.max_new_tokens)
        samples = self._generate(batch, params, do_sample=True)
        return [samples[i * params.n : (i + 1) * params.n] for i in range(len(conversations))]

    def sample(self, messages: Messages, params: SamplingParams) -> list[Sample]:
        return self.sample_batch([messages], params)[0]

    def greedy(
        self, messages: Messages, max_new_tokens: int = 64, *, deadline: float | None = None
    ) -> Sample:
        params = SamplingParams(n=1, max_new_tokens=max_new_tokens, deadline=deadline)
        return self._generate(self.encode([messages], max_new_tokens), params, do_sample=False)[0]

    def greedy_batch(self, conversations: list[Messages], max_new_tokens: int = 64) -> list[Sample]:
        """One deterministic answer per conversation, in one left-padded generate call
        (what `greedy` gives each, up to float rounding; used to featurise training rows)."""
        if not conversations:
            return []
        params = SamplingParams(n=1, max_new_tokens=max_new_tokens)
        return self._generate(self.encode(conversations, max_new_tokens), params, do_sample=False)

    def prompt_embeddings(self, conversations: list[Messages]) -> np.ndarray:
        """The model's final-layer state (after its last norm, what the LM head reads) at
        each rendered prompt's last token: the vector LlamaCppBackend.prompt_embeddings
        gives for the same weights (left padding: every row's last token is the last)."""
        import torch

        if not conversations:
            return np.zeros((0, self.model.config.hidden_size), dtype=np.float32)
        batch = self.encode(conversations, 1)
        positions = (batch["attention_mask"].cumsum(-1) - 1).clamp(min=0)
        with torch.inference_mode():
            out = self.model(
                **batch, position_ids=positions, output_hidden_states=True, logits_to_keep=1
            )
        rows: np.ndarray = out.hidden_states[-1][:, -1, :].float().cpu().numpy()
        return rows

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
        `max_new_tokens` tokens in all; `on_text` gets each new piece of text."""
        import torch

        budget = max_new_tokens - len(start.token_ids)
        if budget < 1:
            return start
        batch = self.encode([messages], max_new_tokens)
        begun = torch.tensor([list(start.token_ids)], dtype=torch.long, device=self.model.device)
        batch = {
            "input_ids": torch.cat([batch["input_ids"], begun], dim=1),
            "attention_mask": torch.cat([batch["attention_mask"], torch.ones_like(begun)], dim=1),
        }
        streamer = TextPieces(self.tokenizer, on_text) if on_text is not None else None
        params = SamplingParams(n=1, max_new_tokens=budget, deadline=deadline)
        more = self._generate(batch, params, do_sample=False, streamer=streamer)[0]
        ids = list(start.token_ids) + list(more.token_ids)
        return Sample(
            text=self.tokenizer.decode(ids, skip_special_tokens=True).strip(),
            token_ids=tuple(ids),
            token_logprobs=tuple(start.token_logprobs) + more.token_logprobs,
            finish_reason=more.finish_reason,
        )

    def _generate(
        self,
        batch: dict[str, Any],
        params: SamplingParams,
        *,
        do_sample: bool,
        streamer: TextPieces | None = None,
    ) -> list[Sample]:
        """One generate call: `params.n` samples per row (do_sample), or the greedy answer
        (n, temperature, top_p, seed ignored); `streamer` gets the new text as it comes."""
        import torch
        from transformers import GenerationConfig

        max_time = params.seconds_left(default=self.max_time_s)
        sampling: dict[str, Any] = {"do_sample": do_sample}
        if do_sample:
            sampling.update(
                temperature=params.temperature,
                top_p=params.top_p,
                num_return_sequences=params.n,
            )
        if params.min_new_tokens:
            sampling["min_new_tokens"] = params.min_new_tokens
        config = GenerationConfig(
            max_new_tokens=params.max_new_tokens,
            max_time=max_time,
            pad_token_id=self.tokenizer.pad_token_id,
            eos_token_id=self.model.generation_config.eos_token_id or self.tokenizer.eos_token_id,
            return_dict_in_generate=True,
            output_logits=True,
            **sampling,
        )
        stops = params.stop if do_sample else ()
        straggler_factor = params.straggler_factor if do_sample else 0.0
        started = time.perf_counter()
        with self._lock, torch.inference_mode():
            if do_sample and params.seed is not None:
                torch.manual_seed(params.seed)
            try:
                n = config.num_return_sequences or 1
                if self.share_prefill and n > 1 and batch["input_ids"].shape[1] > 1:
                    batch = shared_prefill(self.model, batch, n)
                    config.num_return_sequences = 1
                extra: dict[str, Any] = {}
                if stops or straggler_factor:
                    eos = config.eos_token_id
                    extra["stopping_criteria"] = [
                        stop_criteria(
                            self.tokenizer,
                            batch["input_ids"].shape[1],
                            set(eos if isinstance(eos, list) else [eos]),
                            stops,
                            straggler_factor,
                        )
                    ]
                if streamer is not None:
                    extra["streamer"] = streamer
                out = self.model.generate(**batch, generation_config=config, **extra)
            except (RuntimeError, ValueError) as exc:
                raise GenerationError(f"The model failed while generating: {exc}") from exc
        prompt_len = batch["input_ids"].shape[1]
        new_tokens = out.sequences[:, prompt_len:]
        logprobs = chosen_token_logprobs(out.logits, new_tokens)
        cut_by: FinishReason = "time" if time.perf_counter() - started >= max_time else "length"
        return [
            to_sample(self.tokenizer, ids, lps, cut_by, config.eos_token_id, stops)
            for ids, lps in zip(new_tokens.tolist(), logprobs.tolist(), strict=True)
        ]

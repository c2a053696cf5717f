"""The pieces of one transformers `generate` call (agent.llm.transformers_backend).

shared_prefill runs a prompt once and repeats its KV cache for its n samples (the module
docstring of the backend says why); TextPieces streams the new text to a callback;
chosen_token_logprobs and to_sample turn generate()'s output into Samples: the chosen
tokens' log-probs under the unscaled model distribution, cut at EOS or a stop string.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.llm.base import FinishReason, Sample
from agent.llm.stopping import trim_to_stop


def shared_prefill(model: Any, batch: dict[str, Any], n: int) -> dict[str, Any]:
    """Run all prompt tokens but the last through the model once, repeat the KV cache
    n times per row, and return generate() inputs that continue from it.

    generate() then feeds only the last prompt token (for the n x rows sequences) and
    samples exactly as it would from a fresh prefill: positions come from the
    attention mask in both paths (see tests/agent/llm/test_shared_prefill.py).
    """
    from transformers import DynamicCache

    ids, mask = batch["input_ids"], batch["attention_mask"]
    positions = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 0)
    cache = DynamicCache(config=model.config)
    model(
        input_ids=ids[:, :-1],
        attention_mask=mask[:, :-1],
        position_ids=positions[:, :-1],
        cache=cache,
        use_cache=True,
        logits_to_keep=1,
    )
    cache.batch_repeat_interleave(n)
    return {
        "input_ids": ids.repeat_interleave(n, dim=0),
        "attention_mask": mask.repeat_interleave(n, dim=0),
        "cache": cache,
    }


def to_sample(
    tokenizer: Any,
    ids: list[int],
    logprobs: list[float],
    cut_by: FinishReason,
    eos: int | list[int],
    stops: tuple[str, ...] = (),
) -> Sample:
    """One generated row as a Sample: cut at its first EOS, then at a stop string.
    cut_by: the finish reason of a sample without EOS ("length": the token budget
    or the straggler cut; "time": max_time ran out)."""
    eos_ids = set(eos if isinstance(eos, list) else [eos])
    end = next((i for i, t in enumerate(ids) if t in eos_ids), None)
    if end is None:
        end = len(ids)
        reason: FinishReason = cut_by
    else:
        reason = "stop"
    ids, logprobs = ids[:end], logprobs[:end]
    text = tokenizer.decode(ids, skip_special_tokens=True)
    trimmed = trim_to_stop(tokenizer, ids, stops)
    if trimmed is not None:  # ended at a stop string: keep the text before it
        keep, chars = trimmed
        ids, logprobs, text, reason = ids[:keep], logprobs[:keep], text[:chars], "stop"
    text = text.strip()
    return Sample(
        text=text, token_ids=tuple(ids), token_logprobs=tuple(logprobs), finish_reason=reason
    )


class TextPieces:
    """A transformers streamer that hands each new piece of decoded text to a callback
    (the prompt is skipped; text is decoded from all new tokens so far, so multi-byte
    characters split over tokens come out whole)."""

    def __init__(self, tokenizer: Any, on_text: Callable[[str], None]) -> None:
        self.tokenizer, self.on_text = tokenizer, on_text
        self.ids: list[int] = []
        self.shown = 0
        self.prompt_seen = False

    def put(self, value: Any) -> None:
        if not self.prompt_seen:  # generate() first puts the whole prompt
            self.prompt_seen = True
            return
        self.ids += value.flatten().tolist()
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if len(text) > self.shown and not text.endswith("\ufffd"):
            self.on_text(text[self.shown :])
            self.shown = len(text)

    def end(self) -> None:
        pass


def chosen_token_logprobs(step_logits: Any, new_tokens: Any) -> Any:
    """Log-probabilities (unscaled model distribution) of the tokens that were chosen.

    One step at a time, so only one (batch x vocab) log-softmax is alive at once.
    """
    import torch

    columns = []
    for step, logits in enumerate(step_logits):
        chosen = new_tokens[:, step].unsqueeze(1)
        columns.append(torch.log_softmax(logits.float(), dim=-1).gather(1, chosen).squeeze(1))
    return torch.stack(columns, dim=1).cpu()

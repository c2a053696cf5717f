"""The llama.cpp backend's decode loop: from the prefilled logits to finished Samples.

Each step chooses one token per running sequence in numpy from the raw logits
(agent.llm.token_choice: transformers' order and default top-k, so a chosen token's
log-prob is the unscaled distribution's, as the contract asks), then decodes all of them
in one batch. A sequence ends at an end-of-generation token, a stop string, the token
budget, the deadline, or the straggler cut (agent.llm.stopping).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from agent.llm.base import FinishReason, Sample, SamplingParams
from agent.llm.llamacpp_decoder import Decoder
from agent.llm.stopping import StragglerCut, cut_at_stop
from agent.llm.token_choice import choose


@dataclass
class Seq:
    """One sequence being generated: its id, what is decoded, what it made."""

    sid: int
    fed: list[int]  # tokens whose KV is in the cache, in order (positions 0..len-1)
    new: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    reason: FinishReason | None = None  # set when finished


def decode(
    decoder: Decoder,
    detokenize: Callable[[list[int]], str],
    seqs: list[Seq],
    logits: np.ndarray,
    params: SamplingParams,
    rng: np.random.Generator | None,
    stop_at: float,
    on_text: Callable[[str], None] | None,
) -> None:
    """Generate `seqs` to their ends from `logits` (one row per sequence; rng None:
    greedy); `on_text` gets each new piece of the first sequence's text."""
    stops, cut = params.stop, StragglerCut(params.straggler_factor)
    eog = decoder.eog
    running = list(seqs)
    shown = 0
    for step in range(params.max_new_tokens):
        banned = eog if step < params.min_new_tokens else None
        chosen, lps = choose(logits, rng, params.temperature, params.top_p, banned=banned)
        for seq, token, lp in zip(running, chosen.tolist(), lps.tolist(), strict=True):
            if eog[token]:
                seq.reason = "stop"
                continue
            seq.new.append(token)
            seq.logprobs.append(lp)
            if stops and cut_at_stop(detokenize(seq.new), stops) is not None:
                seq.reason = "stop"
        if on_text is not None:
            text = detokenize(seqs[0].new)
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
        decoder.fill([(s.new[-1], [s.sid], len(s.fed)) for s in running], [True] * len(running))
        for s in running:
            s.fed.append(s.new[-1])
        logits = decoder.logits(len(running))
    for s in running:
        s.reason = "length"


def to_sample(
    seq: Seq, stops: tuple[str, ...], prefix: list[int], detokenize: Callable[[list[int]], str]
) -> Sample:
    """A finished sequence as a Sample: its text cut at the first stop string (unless it
    continues `prefix`, an answer begun earlier), the tokens up to the one completing it."""
    ids, logprobs = list(seq.new), list(seq.logprobs)
    text = detokenize(prefix + ids)
    reason: FinishReason = seq.reason or "length"
    cut = cut_at_stop(text, stops) if stops and not prefix else None
    if cut is not None:  # keep the tokens up to the one that completed the stop
        keep = next(
            k for k in range(1, len(ids) + 1) if cut_at_stop(detokenize(ids[:k]), stops) is not None
        )
        ids, logprobs, text, reason = ids[:keep], logprobs[:keep], text[:cut], "stop"
    return Sample(
        text=text.strip(),
        token_ids=tuple(prefix + ids),
        token_logprobs=tuple(logprobs),
        finish_reason=reason,
    )

"""Stop strings for batched sampling: a sequence ends where its text first shows one.

Why: a batched decoding loop runs until its longest sequence ends, so one sample that
rambles on costs as many steps as the whole batch. Callers that only use the first line
(a rewrite of the question) or the first sentence of each sample say so with
`SamplingParams.stop` and the loop ends as soon as every sample has reached it.
"""

from __future__ import annotations

from typing import Any, Literal

SampleStop = Literal["none", "line", "sentence"]
"""Where each answer sample ends (AgentConfig.sample_stop): at EOS only, its first line
or its first sentence."""
SENTENCE_STOPS = (". ", "! ", "? ", "\n")
SAMPLE_STOPS: dict[SampleStop, tuple[str, ...]] = {
    "none": (),
    "line": ("\n",),
    "sentence": SENTENCE_STOPS,
}


def cut_at_stop(text: str, stops: tuple[str, ...]) -> int | None:
    """Index where the earliest stop string starts after the first visible character,
    or None. Leading whitespace (a newline before the answer) never stops a sample."""
    if not stops:
        return None
    start = len(text) - len(text.lstrip())
    if start >= len(text):
        return None
    hits = [i for s in stops if (i := text.find(s, start + 1)) >= 0]
    return min(hits) if hits else None


def stop_criteria(
    tokenizer: Any,
    prompt_len: int,
    eos_ids: set[int],
    stops: tuple[str, ...] = (),
    straggler_factor: float = 0.0,
    quorum: float = 0.5,
) -> Any:
    """A transformers StoppingCriteria for one batched generate call.

    - stop strings: a sequence is flagged done once its new text holds one (only rows
      still running are decoded);
    - stragglers: once `quorum` of the sequences have ended (EOS or stop string) after
      s tokens, the rest get until `straggler_factor * s` tokens, then the whole batch
      ends and they come back cut, finish_reason "length". A batch costs as many steps
      as its longest sequence, and on a small model the longest is usually a sample
      that lost the thread.
    """
    import torch
    from transformers import StoppingCriteria

    class BatchStop(StoppingCriteria):
        def __init__(self) -> None:
            self.done: torch.Tensor | None = None
            self.cut = StragglerCut(straggler_factor, quorum)

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            new = input_ids[:, prompt_len:]
            if self.done is None:
                self.done = torch.zeros(new.shape[0], dtype=torch.bool, device=new.device)
            ended = self.done | torch.isin(new, torch.tensor(sorted(eos_ids))).any(dim=1)
            if stops:
                for row in (~ended).nonzero().flatten().tolist():
                    text = tokenizer.decode(new[row], skip_special_tokens=True)
                    if cut_at_stop(text, stops) is not None:
                        self.done[row] = True
                ended = ended | self.done
            if self.cut.should_cut(int(ended.sum()), len(ended), new.shape[1]):
                return torch.ones_like(self.done)
            return self.done.clone()

    return BatchStop()


class StragglerCut:
    """The straggler rule of one batch, backend-agnostic: once `quorum` of the sequences
    have ended after s steps, the rest may run until `factor * s` steps (0 = off)."""

    def __init__(self, factor: float = 0.0, quorum: float = 0.5):
        self.factor, self.quorum = factor, quorum
        self.deadline: int | None = None

    def should_cut(self, ended: int, total: int, steps: int) -> bool:
        """True when the still-running sequences are to be cut after `steps` tokens."""
        import math

        if self.factor and self.deadline is None and ended >= math.ceil(self.quorum * total):
            self.deadline = max(steps + 1, math.ceil(self.factor * steps))
        return self.deadline is not None and steps >= self.deadline


def trim_to_stop(tokenizer: Any, ids: list[int], stops: tuple[str, ...]) -> tuple[int, int] | None:
    """(tokens to keep, characters of text to keep) for a sample that hit a stop string:
    the tokens up to the one that completed it, the text before it. None if none hit."""
    if not stops:
        return None
    text = tokenizer.decode(ids, skip_special_tokens=True)
    cut = cut_at_stop(text, stops)
    if cut is None:
        return None
    lo, hi = 1, len(ids)  # smallest prefix whose text already holds a stop (bisection)
    while lo < hi:
        mid = (lo + hi) // 2
        if cut_at_stop(tokenizer.decode(ids[:mid], skip_special_tokens=True), stops) is None:
            lo = mid + 1
        else:
            hi = mid
    return lo, cut

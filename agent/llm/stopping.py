"""Stop strings for batched sampling: a sequence ends where its text first shows one.

Why: a batched decoding loop runs until its longest sequence ends, so one sample that
rambles on costs as many steps as the whole batch. Callers that only use the first line
(a rewrite of the question) or the first sentence of each sample say so with
`SamplingParams.stop` and the loop ends as soon as every sample has reached it.
"""

from __future__ import annotations


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


def stop_criteria(tokenizer, stops: tuple[str, ...], prompt_len: int):
    """A transformers StoppingCriteria flagging each sequence once its new text holds a
    stop string (decoding only rows that are still running)."""
    import torch
    from transformers import StoppingCriteria

    class StopStrings(StoppingCriteria):
        def __init__(self):
            self.done: torch.Tensor | None = None

        def __call__(self, input_ids, scores, **kwargs):
            if self.done is None:
                self.done = torch.zeros(input_ids.shape[0], dtype=torch.bool,
                                        device=input_ids.device)
            for row in (~self.done).nonzero().flatten().tolist():
                text = tokenizer.decode(input_ids[row, prompt_len:], skip_special_tokens=True)
                if cut_at_stop(text, stops) is not None:
                    self.done[row] = True
            return self.done.clone()

    return StopStrings()


def trim_to_stop(tokenizer, ids: list[int], stops: tuple[str, ...]) -> tuple[int, int] | None:
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

"""The one input type: an answer text with the labels that say where it came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabeledAnswer:
    """One sampled answer.

    The labels let one pool of samples answer several questions at once: `member`
    separates ensemble members (epistemic disagreement), `reading` separates
    interpretations of the request (ambiguity), `perspective` separates value positions
    (value conflict). Clusters are computed once over the whole pool and shared by all.
    """

    text: str
    logprob: float | None = None  # length-normalised sequence log-prob (Sample.mean_logprob)
    member: str = "default"
    reading: str = "default"
    perspective: str = "default"

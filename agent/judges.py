"""Learned judges: three small probes that read the request, not the sampled answers.

SmolLM2-135M's sampled answers barely depend on the reading they were asked under and
scatter on every normative question, so the sampled estimators have little to measure
(eval/results). Each judge is a logistic-regression probe (uncertainty.probe) trained by
`python -m eval train-judges` on the fixed train splits (eval/splits.py); weights and the
card (data, split, features, test metrics, the command) are in agent/judge_weights/.

  needs_clarification  P(the request needs a clarifying question)   -> ambiguity
  contested            P(reasonable value positions disagree)        -> value_conflict
  likely_wrong         P(the model's own greedy answer is wrong)     -> epistemic

Features: the request's sentence embedding (all-MiniLM-L6-v2, the agent's embedder) and
the token statistics of the model's greedy answer to the request (JUDGE_TOKENS new
tokens, log-probs every backend returns) exist for every backend. The model's own prompt
embedding (LLM_BLOCK: its final-layer state at the last token of the judge prompt, the
one prefill the greedy answer needs anyway, whose KV that answer then reuses) exists where
the backend runs the model the judges were trained on (llama.cpp, the default, and
transformers: `prompt_embeddings`, agent.llm.base.PromptEmbedder). A judge reads it only
where it paid on dev (train-judges' LLM_MARGIN); such a judge has a fallback probe
(FALLBACK, trained without the block, its operating point shifted onto the judge's), which
answers on any other backend (an OpenAI-compatible server, another model), and the
estimate's probe name and evidence say so. Which blocks each judge reads is stored with
its weights; the card says why.

likely_wrong is trained on AmbigNQ questions and the factual exemplars of
prompts/fact_exemplars.yaml (easy to obscure questions with accepted answers: 1 when the
model's greedy answer misses them). A fully specified task request (write this function,
convert, translate, a recipe; also a clarified turn, "request (reply)") is a row with
label 0: it makes no factual claim that "I may be wrong" would qualify, so no hedge is
warranted; the judge learns that from the request's embedding (no separate gate). Its
operating threshold caps the dev share of hedged right answers and task requests
(eval/judges/train.py, MAX_FALSE_HEDGE), whatever their share of the dev rows.

A message that follows earlier turns is read twice by needs_clarification (IN_THREAD):
alone, as every training row, and in its thread shape (`in_thread`): the thread's
previous request (as that turn ended: with its clarify reply folded in) with this message
folded in, by the same fold a typed clarify reply gets
(agent.templates.fold, "request (reply)"; the judge has seen that shape: folded task
requests and follow-ups are label-0 training rows, eval/judges/data.py). The turn needs
clarifying only if it needs it both ways, P = min(alone, in thread): the thread can
resolve what a message leaves open ("and for silver?" after a question about gold), and
a message that is clear alone stays clear. A vague instruction whose object is neither
in the message nor in the thread ("translate it") stays vague both ways. Both values are
the estimate's evidence. contested and likely_wrong read the message alone: a message's
value-ladenness is its own (after a moral question, "ok, different question: how many
legs does a spider have" is a fact, and a fold would lend it the previous topic), and
likely_wrong already reads the thread through its greedy answer (judge_conversation).

A judge may also read the output of an auxiliary probe (AUXILIARY): `se_probe` is the
logit of the semantic-entropy probe (semantic_entropy.npz; Kossen et al. 2024), which
predicts from the request's embedding and the greedy answer's statistics whether the
model's own sampled answers would scatter in meaning (high semantic entropy), so the
likely_wrong judge has that signal without drawing a single sample. It is offered only by
`train-judges --se-probe` (its target samples answers, the costliest part of training), and
semantic_entropy.npz exists only where dev chose its block; the committed judges do not read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from agent.errors import ConfigError
from agent.llm.base import Messages, PromptEmbedder, Sample
from agent.templates import fold, render
from uncertainty.judged import JudgeEstimate
from uncertainty.probe import Probe, answer_stats, load_probe

WEIGHTS_DIR = Path(__file__).with_name("judge_weights")
COMPONENT_OF = {
    "needs_clarification": "ambiguity",
    "contested": "value_conflict",
    "likely_wrong": "epistemic",
}
"""Which uncertainty component each judge estimates (uncertainty.judged)."""
QUESTION_OF = {
    "needs_clarification": "P(the request needs a clarifying question)",
    "contested": "P(reasonable value positions disagree on the request)",
    "likely_wrong": "P(the model's own answer is wrong)",
}
JUDGES = tuple(COMPONENT_OF)
AUXILIARY = {"se_probe": "semantic_entropy"}
"""Feature block -> the auxiliary probe (weights file stem) whose logit it is."""
GREEDY_BLOCKS = {"answer_stats", "token_entropy"}
IN_THREAD = ("needs_clarification",)
"""Judges that also read a follow-up in its thread shape (`in_thread`): P = min of both."""
JUDGE_TOKENS = 32
"""New tokens of the judge's greedy answer (training and inference use the same)."""
LLM_BLOCK = "llm_embedding"
"""The model's own prompt embedding (`prompt_embeddings` of the backend: its final-layer
state at the judge prompt's last token); only the model the judge was trained on gives it."""
FALLBACK = "{judge}.fallback.npz"
"""Weights of a judge that reads LLM_BLOCK, for a backend that cannot give that block."""


def judge_conversation(request: str, context: Sequence[dict[str, str]] = ()) -> Messages:
    """The conversation whose greedy answer the likely_wrong judge reads: the default
    system prompt, the thread's earlier turns (`context`; none in training, where every
    row is a first message) and the request. A follow-up ("and for silver?") is then
    answered as the model answers it in the thread, not as a question out of nowhere."""
    return [
        {"role": "system", "content": render("system")},
        *context,
        {"role": "user", "content": request},
    ]


def in_thread(request: str, previous: str | None = None) -> str | None:
    """The request in the shape it has in its thread: the thread's previous request
    (State.previous_request) with this one folded in (agent.templates.fold); None for a
    thread's first message."""
    return fold(previous, request) if previous else None


def _reading_llm(probes: dict[str, Probe]) -> list[str]:
    return [j for j, p in probes.items() if LLM_BLOCK in p.block_names]


_THREADED = ("embedding", LLM_BLOCK)
"""Blocks read again for a follow-up's thread shape (block "<name>_in_thread")."""


def judge_greedy(
    backend, request: str, deadline: float | None = None, context: Sequence[dict[str, str]] = ()
) -> Sample:
    """The backend's greedy answer to the request (JUDGE_TOKENS at most)."""
    conversation = judge_conversation(request, context)
    if deadline is None:
        return backend.greedy(conversation, max_new_tokens=JUDGE_TOKENS)
    return backend.greedy(conversation, max_new_tokens=JUDGE_TOKENS, deadline=deadline)


class Judges:
    """The three probes, loaded once; `judge(request, ...)` runs them on one request."""

    def __init__(
        self,
        probes: dict[str, Probe],
        auxiliary: dict[str, Probe] | None = None,
        fallbacks: dict[str, Probe] | None = None,
    ):
        missing = [j for j in JUDGES if j not in probes]
        if missing:
            raise ConfigError(f"judge weights missing for: {', '.join(missing)}")
        self.probes = probes
        self.auxiliary = auxiliary or {}
        self.fallbacks = fallbacks or {}
        orphans = [j for j in _reading_llm(probes) if j not in self.fallbacks]
        if orphans:
            raise ConfigError(f"fallback judge weights missing for: {', '.join(orphans)}")
        absent = {b for p in probes.values() for b in p.block_names} & set(AUXILIARY)
        if absent - set(self.auxiliary):
            raise ConfigError(f"auxiliary probe missing for: {', '.join(sorted(absent))}")

    @classmethod
    def load(cls, folder: Path = WEIGHTS_DIR) -> Judges:
        paths = {j: Path(folder) / f"{j}.npz" for j in JUDGES}
        absent = [str(p) for p in paths.values() if not p.is_file()]
        if absent:
            raise ConfigError(
                f"judge weights not found: {', '.join(absent)}. "
                "Train them with `python -m eval train-judges`."
            )
        probes = {j: load_probe(p) for j, p in paths.items()}
        wanted = {b for p in probes.values() for b in p.block_names} & set(AUXILIARY)
        aux_paths = {b: Path(folder) / f"{AUXILIARY[b]}.npz" for b in sorted(wanted)}
        absent = [str(p) for p in aux_paths.values() if not p.is_file()]
        if absent:
            raise ConfigError(f"auxiliary probe weights not found: {', '.join(absent)}")
        fb_paths = {j: Path(folder) / FALLBACK.format(judge=j) for j in _reading_llm(probes)}
        absent = [str(p) for p in fb_paths.values() if not p.is_file()]
        if absent:
            raise ConfigError(f"fallback judge weights not found: {', '.join(absent)}")
        return cls(
            probes,
            {b: load_probe(p) for b, p in aux_paths.items()},
            {j: load_probe(p) for j, p in fb_paths.items()},
        )

    def needs(self) -> set[str]:
        every = [*self.probes.values(), *self.auxiliary.values(), *self.fallbacks.values()]
        return {b for p in every for b in p.block_names} - set(AUXILIARY)

    def reads_llm(self, backend) -> bool:
        """Whether the backend gives LLM_BLOCK for the model the judges were trained on
        (each such probe's meta "llm", a backend name's start: 4-bit or F16 copies of it
        count); else the fallback judges answer."""
        models = {self.probes[j].meta.get("llm", "") for j in self.fallbacks}
        name = str(getattr(backend, "name", ""))
        return (
            bool(models)
            and isinstance(backend, PromptEmbedder)
            and all(m and name.startswith(m) for m in models)
        )

    def read(
        self,
        request: str,
        embedder,
        backend,
        deadline: float | None = None,
        context: Sequence[dict[str, str]] = (),
        previous: str | None = None,
    ) -> tuple[dict[str, np.ndarray], Sample | None]:
        """Every feature block some judge reads, computed once for the request, and the
        greedy answer they were read from (None when no judge reads one): the probe
        continues it rather than writing it again. A follow-up's thread shape
        (`in_thread`) is embedded in the same call, as block "embedding_in_thread"."""
        threaded = in_thread(request, previous)
        texts = [request] if threaded is None else [request, threaded]
        vectors = np.asarray(embedder.embed(texts), dtype=np.float64)
        out = {"embedding": vectors[0]}
        if threaded is not None:
            out["embedding_in_thread"] = vectors[1]
        if self.reads_llm(backend):  # first: the greedy answer below reuses its KV
            # one prompt per call: a batch moves the last bits of each row, and a message
            # gets the same value alone whether or not a thread shape came with it
            own = [np.asarray(backend.prompt_embeddings([judge_conversation(t)])[0]) for t in texts]
            out[LLM_BLOCK] = own[0].astype(np.float64)
            if threaded is not None:
                out[f"{LLM_BLOCK}_in_thread"] = own[1].astype(np.float64)
        greedy = None
        if self.needs() & GREEDY_BLOCKS:
            greedy = judge_greedy(backend, request, deadline, context)
            out["answer_stats"] = answer_stats(greedy.token_logprobs, JUDGE_TOKENS)
            out["token_entropy"] = out["answer_stats"][:1]  # mean NLL alone
        for block, probe in self.auxiliary.items():
            out[block] = np.atleast_1d(probe.logit(probe.features(out)))
        return out, greedy

    def score(self, blocks: dict[str, np.ndarray]) -> list[JudgeEstimate]:
        """One estimate per judge, of the component it estimates. With a thread shape
        (block "embedding_in_thread"), an IN_THREAD judge's probability is the min of
        the message alone and in its thread, both kept as evidence."""
        out = []
        for j, p in self.probes.items():
            evidence: dict = {"threshold_chosen_on_dev": p.meta.get("dev_threshold")}
            if j in self.fallbacks and LLM_BLOCK not in blocks:
                p = self.fallbacks[j]
                evidence["fallback"] = (
                    f"the backend gives no {LLM_BLOCK} of the model this judge was trained "
                    f"on ({self.probes[j].meta.get('llm')}): its fallback probe answers"
                )
            probability = p.score(blocks)
            if j in IN_THREAD and "embedding_in_thread" in blocks:
                again = {
                    b: blocks[f"{b}_in_thread"] for b in _THREADED if f"{b}_in_thread" in blocks
                }
                threaded = p.score({**blocks, **again})
                evidence |= {"alone": probability, "in_thread": threaded}
                probability = min(probability, threaded)
            out.append(
                JudgeEstimate(
                    component=COMPONENT_OF[j],
                    probability=probability,
                    probe=p.name,
                    question=QUESTION_OF[j],
                    features=p.block_names,
                    evidence=evidence,
                )
            )
        return out

    def estimates(
        self, request: str, embedder, backend, deadline: float | None = None
    ) -> list[JudgeEstimate]:
        return self.judge(request, embedder, backend, deadline)[0]

    def judge(
        self,
        request: str,
        embedder,
        backend,
        deadline: float | None = None,
        context: Sequence[dict[str, str]] = (),
        previous: str | None = None,
    ) -> tuple[list[JudgeEstimate], Sample | None]:
        """The estimates, and the greedy answer (judge_conversation) they read; the
        embedding judges read the request alone, as in training, and needs_clarification
        also reads it in its thread (`in_thread` with the thread's `previous` request)."""
        blocks, greedy = self.read(request, embedder, backend, deadline, context, previous)
        return self.score(blocks), greedy

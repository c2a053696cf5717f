"""interpret: decide what the request could mean before answering it.

A value-laden request (the contested judge's verdict, agent.nodes.judge) is answered by
several perspectives, not several readings: its readings stay [request] and the
perspectives most relevant to it are chosen. Otherwise (and when the move needs
readings: an adaptive turn headed for a hedge samples the request alone, see
`needs_readings`) the model rewrites the request K times (prompts/interpret.txt, one
batched call). A rewrite that only paraphrases the request (cosine >= PARAPHRASE) adds
no reading; the others are clustered by what they add to the request (the judge's question-residual
embedding), and each cluster adds one reading, largest first, up to K in all. When no
rewrite survives there is a single reading (K=1) and no ambiguity can be measured:
whether the readings matter is then measured on the answers (ambiguity = MI(reading;
answer)), not decided here.

Small models often answer instead of rewriting, copy the prompt, or swap the topic
("What is the capital of Australia?" for France). A rewrite counts only if it is a
question (ends with '?'), is not text copied from the prompt, refines the request (keeps
each of its content words, MIN_WORD letters or more; only adds detail) and is about it
(cosine similarity >= MIN_RELATEDNESS): otherwise a "reading" would be noise that
manufactures ambiguity. With SmolLM2-135M this usually leaves K=1.

So readings have a second, curated source: the facet library (prompts/facets.yaml,
agent/facets.py). When the request's nearest facet exemplar clears the library's
threshold, that facet's readings (e.g. '..., in degrees Celsius' / '..., in degrees
Fahrenheit') come first, then the model's surviving rewrites, up to K in all; the model
is not asked at all when the facet already fills K. The bare request is then NOT a
reading: it is the vague mixture of the specific ones, would only dilute MI(reading;
answer) and cost a cell of samples, and is no useful option to offer in a clarifying
question. Without a matching facet the readings are the request plus the rewrites, as
before. Facets are not consulted on a value-laden request (perspectives, as before) nor
after a clarification round: the reply already specified the request, and re-applying
a facet would stack a second, possibly contradicting variant on it. Whether the readings
matter is still measured on the answers, never decided here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import numpy as np
from langgraph.runtime import Runtime

from agent.context import Context
from agent.facets import match
from agent.nodes.history import earlier_turns
from agent.perspectives import select_perspectives, voices
from agent.state import State
from agent.templates import render
from uncertainty import EquivalenceJudge, TextEmbedder

MAX_READING_CHARS = 300
MIN_WORD = 4
READING_TOKENS = 32  # a rewritten question is one line; the first line is all we keep
PARAPHRASE = 0.95  # "capital of France" vs "capital city of France": 0.96
MIN_RELATEDNESS = 0.2  # MiniLM: a vague request vs its specific rewrite ~0.3; unrelated < 0.15
_LABEL = re.compile(r"^(rewrite|question|reading)\s*:\s*", re.IGNORECASE)
_QUOTED_QUESTION = re.compile(r"[,:]\s*[\"“]([^\"“”]+\?)[\"”]?$")  # ... might ask, "X?"


def interpret(state: State, runtime: Runtime[Context]) -> State:
    ctx = runtime.context
    res, request = ctx.resources, state["request"]
    value_laden = bool(state.get("value_laden"))  # the contested judge (agent.nodes.judge)
    update: State = {
        "readings": [request],
        "perspectives": [],
    }
    if value_laden:
        chosen = select_perspectives(
            request,
            voices(request, list(res.registry.values()), res.cultures),
            ctx.config.perspectives,
            res.embedder,
        )
        update["perspectives"] = [p.id for p in chosen]
    elif ctx.config.readings > 1 and needs_readings(state):
        update["readings"] = find_readings(state, ctx)
    return update


def needs_readings(state: State) -> bool:
    """Whether the move needs readings: always in full mode; in an adaptive turn
    (agent.nodes.probe) only when the judges lead to "clarify" (its options) or to no
    move yet. A hedge (sampled only when its greedy answer came back empty) needs only
    the request's own samples (its best guess's share)."""
    found = state.get("probe")
    return found is None or found.move not in ("hedge", "answer")


def find_readings(state: State, ctx: Context) -> list[str]:
    """Facet readings (if a facet matches) then model rewrites, up to K."""
    res, request, k = ctx.resources, state["request"], ctx.config.readings
    facet = [] if state.get("clarify_rounds", 0) else match(request, res.facets, res.embedder)
    facet = facet[:k]
    if len(facet) >= k:
        return facet
    rewrites = model_readings(state, ctx)[1:]  # without the request itself
    if not facet:
        return [request, *rewrites]
    seen = {r.casefold() for r in facet}
    return facet + [r for r in rewrites if r.casefold() not in seen][: k - len(facet)]


def model_readings(state: State, ctx: Context) -> list[str]:
    """The request plus one surviving model rewrite per meaning-cluster, up to K."""
    res, request, k = ctx.resources, state["request"], ctx.config.readings
    prompt = render("interpret", question=request)
    conversation = [
        *earlier_turns(state, res.backend, ctx.config.max_new_tokens),
        {"role": "user", "content": prompt},
    ]
    params = ctx.params(k)
    params = replace(params, max_new_tokens=min(params.max_new_tokens, READING_TOKENS))
    writer = res.interpreter.backend if res.interpreter is not None else res.backend
    samples = writer.sample_batch([conversation], params)[0]
    rewrites = usable_rewrites(request, [s.text for s in samples], prompt, res.embedder)
    return distinct_readings(request, rewrites, res.judge, k)


def usable_rewrites(
    request: str, texts: list[str], prompt: str, embedder: TextEmbedder
) -> list[str]:
    candidates = []
    for text in texts:
        line = clean_rewrite(text)
        copied = line in prompt.replace(request, "")
        if (
            line.endswith("?")
            and not copied
            and line.casefold() != request.casefold()
            and refines(request, line)
        ):
            candidates.append(line)
    if not candidates:
        return []
    vectors = np.asarray(embedder.embed([request, *candidates]), dtype=float)
    related = vectors[1:] @ vectors[0]
    return [
        c for c, sim in zip(candidates, related, strict=True) if MIN_RELATEDNESS <= sim < PARAPHRASE
    ]


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.casefold())


def refines(request: str, rewrite: str) -> bool:
    """Every content word of the request survives in the rewrite (plural/tense endings
    may change: a word matches on all but its last two letters, at least MIN_WORD)."""
    kept = _words(rewrite)
    for word in _words(request):
        if len(word) >= MIN_WORD:
            stem = word[: max(MIN_WORD, len(word) - 2)]
            if not any(k.startswith(stem) for k in kept):
                return False
    return True


def distinct_readings(
    request: str, rewrites: list[str], judge: EquivalenceJudge, k: int
) -> list[str]:
    """The request plus one rewrite per meaning-cluster of the rewrites, largest first."""
    from uncertainty import cluster_answers

    if not rewrites:
        return [request]
    clustering = cluster_answers(rewrites, judge, question=request)
    sizes = Counter(clustering.assignments)
    order = sorted(sizes, key=lambda c: (-sizes[c], c))
    return [request] + [rewrites[clustering.representatives[c]] for c in order][: k - 1]


def clean_rewrite(text: str) -> str:
    """First non-empty line, without labels, preambles, quotes or list markers; '' when
    unusable."""
    for line in text.splitlines():
        line = _LABEL.sub("", line.strip()).strip()
        quoted = _QUOTED_QUESTION.search(line)  # the model wraps its rewrite in a preamble
        line = (quoted.group(1) if quoted else line).strip("\"'“”").lstrip("-*0123456789.) ")
        line = line.strip()
        if line:
            return line if len(line) <= MAX_READING_CHARS else ""
    return ""

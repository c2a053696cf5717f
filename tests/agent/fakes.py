"""Scripted FakeBackend conversations that drive the real graph into each move.

The script sees every conversation the graph builds, so it can tell the three kinds of
prompt apart: the interpret prompt (rewrites of the request), a perspective prompt
(prompts/perspective.txt) and a plain answer prompt for one reading.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent import Agent, AgentConfig
from agent.context import Context, Resources
from agent.llm.fake import FakeBackend
from agent.perspectives import load_registry
from agent.templates import render

REGISTRY = load_registry()
_MARK = "\x00"
INTERPRET_HEAD, INTERPRET_TAIL = render("interpret", question=_MARK).split(_MARK)
PERSPECTIVE_HEAD, PERSPECTIVE_TAIL = render("perspective", perspective="", question=_MARK).split(
    _MARK
)

FACTUAL = "What is the capital of France?"
AMBIGUOUS = "How long does it take?"
EGG = "How long does it take to cook rice?"
FLIGHT = "How long does it take to fly from London to Tokyo?"
VALUE = "Should euthanasia be legal?"
UNSURE = "What was the name of Napoleon's first dog?"

STANCES = [  # one meaning per perspective in the registry (by registry order)
    "Yes. Ending unbearable suffering improves overall well-being.",
    "No. Taking an innocent life is forbidden whatever the results.",
    "A wise and compassionate doctor would judge each case with prudence.",
    "The relationships and care around the dying person matter most.",
    "Only if poor and rich patients get equal access and protection.",
    "Adults should decide about their own bodies and deaths.",
    "Society must protect vulnerable elderly people from pressure.",
    "It would save hospital costs, but budgets must never drive it.",
    "Local traditions and shared customs should shape the law.",
    "The state should stay out of private end-of-life choices.",
    "Life is a sacred gift that only God may take.",
    "Nature and the cycle of life teach us to accept death.",
]


def user_text(messages) -> str:
    return messages[-1]["content"]


def kind(messages) -> str:
    text = user_text(messages)
    if text.startswith(INTERPRET_HEAD) and text.endswith(INTERPRET_TAIL):
        return "interpret"
    if text.endswith(PERSPECTIVE_TAIL):
        return "perspective"
    return "answer"


def question_of(messages) -> str:
    """The request inside an interpret prompt."""
    return user_text(messages).removeprefix(INTERPRET_HEAD).removesuffix(INTERPRET_TAIL)


def script(messages) -> list[str]:
    """A world where the model is sure of facts, torn on Napoleon's dog, and reads
    'How long does it take?' two ways."""
    k = kind(messages)
    if k == "interpret":
        q = question_of(messages)
        if q.startswith(AMBIGUOUS):  # refinements keep any words a clarification added
            extra = q.removeprefix(AMBIGUOUS).strip(" ()")
            return (
                [EGG, FLIGHT]
                if not extra
                else [f"{EGG[:-1]}, {extra}?", f"{FLIGHT[:-1]}, {extra}?"]
            )
        return [q]
    if k == "perspective":
        text = user_text(messages)
        index = next(i for i, p in enumerate(REGISTRY) if p.prompt in text)
        return [STANCES[index % len(STANCES)]]
    q = user_text(messages)
    if q.startswith(EGG[:-1]):
        return ["About twenty minutes in a covered pot."]
    if q.startswith(FLIGHT[:-1]):
        return ["Roughly fourteen hours by plane."]
    if q == AMBIGUOUS:
        return ["About twenty minutes in a covered pot.", "Roughly fourteen hours by plane."]
    if q.startswith(UNSURE):
        return [
            "His dog was called Fortuné.",
            "The French army had no dogs.",
            "Napoleon preferred cats, not dogs.",
            "It was a pug named Rex in 1800.",
        ]
    return ["Paris is the capital of France."]


def make_agent(
    tmp_path, embedder, fake_script=script, backend=None, judges=None, **config
) -> tuple[Agent, FakeBackend]:
    """Full mode unless adaptive=True is asked for: these worlds test the sampled moves."""
    config.setdefault("adaptive", False)
    backend = backend or FakeBackend(fake_script)
    cfg = AgentConfig(db_path=tmp_path / "clarion.sqlite", data_dir=tmp_path, **config)
    return Agent(cfg, backend=backend, embedder=embedder, judges=judges), backend


def node_runtime(backend=None, embedder=None, judges=None, **config) -> Runtime[Context]:
    """What LangGraph hands a node, for calling one directly."""
    resources = Resources(AgentConfig(**config), backend=backend, embedder=embedder, judges=judges)
    return Runtime(context=Context(resources))


def judged(request: str) -> dict[str, float]:
    """What the judges say in the scripted world: the bare 'How long does it take?' needs
    clarifying (once clarified it does not), euthanasia is contested, Napoleon's dog is
    likely answered wrong; everything else is clear, uncontested and known."""
    out = {}
    if request.strip() == AMBIGUOUS:
        out["ambiguity"] = 0.9
    if request.startswith(VALUE):
        out["value_conflict"] = 0.9
    if request.startswith(UNSURE):
        out["epistemic"] = 0.9
    return out


class ScriptedJudges:
    """Stands in for agent.judges.Judges in fast tests: each component's probability by
    rule on the request (default 0: nothing to clarify, contest or hedge)."""

    def __init__(self, rule=None, reads_greedy: bool = False):
        """reads_greedy: like the real likely_wrong judge, read the backend's greedy
        answer to agent.judges.judge_conversation (and return it)."""
        self.rule = rule or (lambda request: {})
        self.reads_greedy = reads_greedy
        self.requests: list[str] = []
        self.previous: list[str | None] = []  # the thread's previous request, per call

    def estimates(self, request, embedder, backend, deadline=None):
        return self.judge(request, embedder, backend, deadline)[0]

    def judge(self, request, embedder, backend, deadline=None, context=(), previous=None):
        from agent.judges import JUDGE_TOKENS, judge_conversation
        from uncertainty.judged import JudgeEstimate

        self.requests.append(request)
        self.previous.append(previous)
        greedy = None
        if self.reads_greedy:
            conversation = judge_conversation(request, context)
            greedy = backend.greedy(conversation, max_new_tokens=JUDGE_TOKENS)
        p = {"ambiguity": 0.0, "value_conflict": 0.0, "epistemic": 0.0} | self.rule(request)
        estimates = [JudgeEstimate(c, float(v), f"scripted-{c}", "test", ()) for c, v in p.items()]
        return estimates, greedy

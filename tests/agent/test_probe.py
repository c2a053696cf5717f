"""Adaptive turns: the judges decide; a turn they do not flag answers greedily, one they
flag as likely wrong hedges from that greedy answer, both unsampled."""

import math

import pytest

from agent import Agent, AgentConfig, AnswerText
from agent.llm.base import Sample
from agent.llm.fake import FakeBackend
from agent.templates import render
from tests.agent.fakes import (
    AMBIGUOUS,
    FACTUAL,
    FLIGHT,
    STANCES,
    UNSURE,
    VALUE,
    ScriptedJudges,
    judged,
    kind,
    script,
)


def adaptive_agent(tmp_path, embedder, logprob=-0.1, judges=None, rounds=False, **fake):
    backend = FakeBackend(script, logprob=logprob, **fake)
    cfg = AgentConfig(
        db_path=tmp_path / "c.sqlite",
        data_dir=tmp_path,
        adaptive=True,
        sample_rounds=rounds,
        perspective_samples=4 if rounds else 2,  # rounds tests: the planned 4 per cell
    )
    return Agent(cfg, backend=backend, embedder=embedder, judges=judges), backend


def full_reply(tmp_path, embedder, message, logprob=-0.1):
    cfg = AgentConfig(db_path=tmp_path / "f.sqlite", data_dir=tmp_path, adaptive=False)
    agent = Agent(cfg, backend=FakeBackend(script, logprob=logprob), embedder=embedder)
    return agent.chat(message)


def test_a_request_no_judge_flags_is_answered_with_no_samples(tmp_path, embedder):
    agent, backend = adaptive_agent(tmp_path, embedder)
    events = list(agent.stream(FACTUAL))
    reply = events[-1].reply
    assert reply.kind == "answer" and reply.text == "Paris is the capital of France."
    assert "all components below threshold" in reply.route_reason
    assert "nothing sampled" in reply.route_reason
    assert backend.calls == []  # nothing sampled: the one greedy answer was all
    nodes = [e.node for e in events if not isinstance(e, AnswerText)]
    assert nodes == ["begin", "judge", "probe", "direct"]
    assert any(isinstance(e, AnswerText) for e in events)  # the probe's answer streamed
    assert reply.written == [{"text": reply.text, "finish_reason": "stop"}]


def test_a_direct_reply_reports_the_judges_and_the_greedy_token_entropy(tmp_path, embedder):
    agent, _ = adaptive_agent(tmp_path, embedder, logprob=-0.25)
    report = agent.chat(FACTUAL).uncertainty
    assert report is not None and report.n_samples == 0 and report.clusters == []
    for name in ("ambiguity", "value_conflict", "epistemic"):
        comp = getattr(report, name)
        assert comp.estimator == f"scripted-{name}" and comp.unit == "probability"
        assert comp.evidence["sampled"] is None  # nothing sampled, nothing made up
    se = report.semantic_entropy
    assert se.estimator == "greedy_token_entropy" and se.unit == "nats"
    assert abs(se.value - 0.25) < 1e-9 and se.evidence["tokens"] == 6


def test_the_judges_greedy_answer_is_continued_not_written_again(tmp_path, embedder):
    judges = ScriptedJudges(judged, reads_greedy=True)
    agent, backend = adaptive_agent(tmp_path, embedder, judges=judges, budget_words=3)
    reply = agent.chat(FACTUAL)
    assert reply.text == "Paris is the capital of France."
    assert backend.extended == ["Paris is the"]  # the judge's (cut) answer, continued
    assert backend.calls == []


def test_an_unsure_greedy_answer_is_not_sampled_when_no_judge_flags_it(tmp_path, embedder):
    # the judges route; a low log-prob alone (the old a-priori rule) samples nothing
    agent, backend = adaptive_agent(tmp_path, embedder, logprob=-2.0)
    reply = agent.chat(FACTUAL)
    assert reply.kind == "answer" and backend.calls == []
    assert reply.kind == full_reply(tmp_path, embedder, FACTUAL, -2.0).kind


def test_a_value_laden_question_samples_perspectives_only(tmp_path, embedder):
    agent, backend = adaptive_agent(tmp_path, embedder)
    reply = agent.chat(VALUE)
    assert reply.kind == "perspectives" and backend.calls
    assert backend.extended == []  # no greedy answer was paid for
    assert (reply.kind, reply.text) == (lambda f: (f.kind, f.text))(
        full_reply(tmp_path, embedder, VALUE)
    )


def test_a_likely_wrong_answer_is_hedged_from_the_greedy_answer_unsampled(tmp_path, embedder):
    agent, backend = adaptive_agent(tmp_path, embedder, logprob=-0.5)
    events = list(agent.stream(UNSURE))
    reply = events[-1].reply
    full = full_reply(tmp_path, embedder, UNSURE)
    assert reply.kind == "hedge" == full.kind  # the judges decide the move in both modes
    assert backend.calls == []  # nothing sampled: the greedy answer is the best guess
    guess = "His dog was called Fortuné."
    assert reply.written == [{"text": guess, "finish_reason": "stop"}]
    assert abs(reply.confidence - math.exp(-0.5)) < 1e-9  # its token probabilities
    assert reply.text == render("hedge_greedy", guess=guess, confidence="61%")
    assert "epistemic 0.90 >=" in reply.route_reason and "nothing sampled" in reply.route_reason
    assert reply.uncertainty.n_samples == 0
    assert any(isinstance(e, AnswerText) and e.text == guess for e in events)  # streamed
    nodes = [e.node for e in events if not isinstance(e, AnswerText)]
    assert nodes == ["begin", "judge", "probe", "direct"]
    assert agent.history(reply.thread_id)[-1] == {
        "role": "assistant",
        "content": reply.text,
        "kind": "hedge",
    }


def test_a_hedge_whose_greedy_answer_is_empty_samples_the_request_alone(tmp_path, embedder):
    agent, backend = adaptive_agent(tmp_path, embedder)
    backend.greedy = lambda *a, **k: Sample("", (), (), "stop")  # type: ignore[method-assign]
    backend.extend = lambda *a, **k: Sample("", (), (), "stop")  # type: ignore[method-assign]
    reply = agent.chat(UNSURE)
    assert reply.kind == "hedge" and backend.calls
    assert all("Rewrite" not in str(c) for c in backend.calls)  # no readings asked for
    assert {r for r in reply.uncertainty.clusters[0].labels["reading"]} == {UNSURE}


def test_a_request_that_needs_clarifying_samples_its_readings(tmp_path, embedder):
    agent, _ = adaptive_agent(tmp_path, embedder)
    reply = agent.chat(AMBIGUOUS)
    full = full_reply(tmp_path, embedder, AMBIGUOUS)
    assert reply.kind == "clarify" == full.kind
    # readings whose answers differ are offered (adaptive N may stop before the bare
    # request's cell shows its split, so that cell can stand for the rice reading)
    assert len(reply.options) >= 2 and FLIGHT in reply.options


def test_adaptive_n_stops_when_every_cell_agrees(tmp_path, embedder):
    agent, backend = adaptive_agent(tmp_path, embedder, rounds=True)
    reply = agent.chat(VALUE)  # each perspective gives one stance: settled after round 1
    full = full_reply(tmp_path, embedder, VALUE)
    assert len(backend.calls) == 1
    assert reply.uncertainty.n_samples * 2 == full.uncertainty.n_samples
    stopping = reply.uncertainty.semantic_entropy.evidence["stopping"]
    assert stopping["rounds"] == 1 and "settled" in stopping["reason"]
    assert reply.kind == full.kind


def scattered(messages):
    """Euthanasia: each perspective's careful member (system prompt) takes another stance."""
    texts = script(messages)
    if kind(messages) == "perspective" and "carefully" in messages[0]["content"]:
        return [STANCES[(STANCES.index(texts[0]) + 6) % len(STANCES)]]
    return texts


def test_adaptive_n_draws_on_while_the_answers_scatter(tmp_path, embedder):
    cfg = AgentConfig(
        db_path=tmp_path / "c.sqlite",
        data_dir=tmp_path,
        adaptive=True,
        sample_rounds=True,
        perspective_samples=4,
    )
    backend = FakeBackend(scattered, logprob=-0.1)
    reply = Agent(cfg, backend=backend, embedder=embedder).chat(VALUE)
    assert reply.kind == "perspectives"
    assert len(backend.calls) == 2  # two rounds of one sample per conversation
    assert reply.uncertainty.n_samples == 16  # all planned: no cell was unanimous
    stopping = reply.uncertainty.semantic_entropy.evidence["stopping"]
    assert stopping["rounds"] == 2 and stopping["answers"] == 16
    assert stopping["reason"] == "every planned sample drawn"


def split_perspective(messages):
    """Value world where only the rights-and-duties perspective's members disagree."""
    texts = script(messages)
    duties = "You reason from rights and duties" in messages[-1]["content"]
    if duties and "carefully" in messages[0]["content"]:
        return [STANCES[0]]  # the careful member sides with the consequentialist
    return texts


def test_only_the_cells_that_have_not_settled_are_drawn_again(tmp_path, embedder):
    cfg = AgentConfig(
        db_path=tmp_path / "c.sqlite",
        data_dir=tmp_path,
        adaptive=True,
        sample_rounds=True,
        perspective_samples=4,
    )
    backend = FakeBackend(split_perspective, logprob=-0.1)
    reply = Agent(cfg, backend=backend, embedder=embedder).chat(VALUE)
    assert reply.kind == "perspectives"
    first, second = backend.calls
    assert len(first) == 8 and len(second) == 2  # the split perspective's two members
    assert reply.uncertainty.n_samples == 10


def test_an_open_clarifying_question_draws_no_samples(tmp_path, embedder):
    judges = ScriptedJudges(lambda request: {"ambiguity": 0.9})
    agent, backend = adaptive_agent(tmp_path, embedder, judges=judges)
    reply = agent.chat(FACTUAL)  # the scripted model offers no second reading of it
    assert reply.kind == "clarify" and reply.options == []
    # the only model call asked for readings (interpret); no answer was sampled
    assert [kind(c[0]) for c in backend.calls] == ["interpret"]
    assert reply.uncertainty.n_samples == 0
    assert reply.uncertainty.ambiguity.value == 0.9
    stopping = reply.uncertainty.semantic_entropy.evidence["stopping"]
    assert stopping["rounds"] == 0 and "open question" in stopping["reason"]


def test_rounds_split_the_planned_samples():
    from agent.nodes.sample import round_seed, rounds

    assert rounds(1) == [1] and rounds(2) == [1, 1] and rounds(4) == [2, 1, 1]
    assert rounds(8) == [4, 2, 2] and sum(rounds(7)) == 7
    assert round_seed(None, 3) is None and round_seed(0, 0) == 0 and round_seed(5, 1) != 5


def test_a_follow_up_is_judged_and_answered_in_the_threads_context(tmp_path, embedder):
    judges = ScriptedJudges(judged, reads_greedy=True)
    agent, backend = adaptive_agent(tmp_path, embedder, judges=judges, budget_words=3)
    first = agent.chat(FACTUAL)
    seen = []
    inner = backend.greedy
    backend.greedy = lambda messages, *a, **k: seen.append(messages) or inner(messages, *a, **k)
    agent.chat("And of Italy?", first.thread_id)
    contents = [m["content"] for m in seen[0]]
    assert contents[1:] == [FACTUAL, first.text, "And of Italy?"]  # the judge saw the thread
    assert backend.extended[-1] == "Paris is the"  # and the probe continued its answer


def test_without_sample_rounds_an_adaptive_turn_draws_its_samples_at_once(tmp_path, embedder):
    agent, backend = adaptive_agent(tmp_path, embedder)  # sample_rounds off: the default
    reply = agent.chat(VALUE)
    assert len(backend.calls) == 1
    # the judges already chose perspectives: perspective_samples (2) per perspective, one
    # from each member, where full mode draws `samples` (4)
    full = full_reply(tmp_path, embedder, VALUE)
    assert reply.uncertainty.n_samples == 4 * 2 and full.uncertainty.n_samples == 4 * 4
    assert reply.kind == full.kind == "perspectives"
    assert [v.position for v in reply.perspectives] == [v.position for v in full.perspectives]


@pytest.mark.model
def test_a_real_hedge_is_the_plain_greedy_answer_unsampled(tmp_path, default_backend, embedder):
    from agent.judges import judge_conversation

    judges = ScriptedJudges(lambda request: {"epistemic": 0.9}, reads_greedy=True)
    cfg = AgentConfig(db_path=tmp_path / "c.sqlite", data_dir=tmp_path, timeout_s=900)
    drawn = []
    inner = default_backend.sample_batch
    default_backend.sample_batch = lambda *a, **k: drawn.append(a) or inner(*a, **k)
    try:
        reply = Agent(cfg, backend=default_backend, embedder=embedder, judges=judges).chat(
            "Who was the mayor of Tórshavn in 1974?"
        )
    finally:
        del default_backend.sample_batch
    plain = default_backend.greedy(
        judge_conversation("Who was the mayor of Tórshavn in 1974?"), cfg.answer_tokens
    )
    assert reply.kind == "hedge" and drawn == [] and reply.uncertainty.n_samples == 0
    (written,) = reply.written
    assert written["text"] == plain.text and written["finish_reason"] == plain.finish_reason
    assert plain.text in reply.text and reply.text.startswith("I am not sure")
    assert 0.0 < reply.confidence <= 1.0

"""Cultural perspectives voiced through the culture adapters (scripted adapters; fast)."""

from __future__ import annotations

import numpy as np
import pytest

import agent.adapters as adapters
from agent.adapters import Gate
from agent.perspectives import load_registry
from tests.agent.fakes import VALUE, make_agent
from ui.render import perspective_cards_html, safe_text

OPTIONS_QUESTION = f"{VALUE}\nOptions: A. Yes B. No C. Not sure"


class ScriptedCultures(adapters.CultureAdapters):
    """Every group's distribution from a table, one call per batch recorded."""

    calls: list = []

    def __init__(self, *a, **k):
        groups = [p.group for p in load_registry() if p.group]
        self.gate = Gate(("only",), {g: (1.0,) for g in groups})
        type(self).calls = []

    def score(self, question, options, rows):
        type(self).calls.append((question, list(options), list(rows)))
        return [
            np.linspace(1.0, 2.0, len(options)) / np.linspace(1.0, 2.0, len(options)).sum()
            for _ in rows
        ]


@pytest.fixture
def scripted_cultures(monkeypatch):
    monkeypatch.setattr(adapters, "available", lambda *a: True)
    monkeypatch.setattr(adapters, "CultureAdapters", ScriptedCultures)
    return ScriptedCultures


def test_an_options_question_is_voiced_by_groups_with_adapter_shares(
    tmp_path, embedder, scripted_cultures
):
    agent, _ = make_agent(tmp_path, embedder)
    reply = agent.chat(OPTIONS_QUESTION)
    assert reply.kind == "perspectives"
    registry = {p.id: p for p in load_registry()}
    assert reply.perspectives and all(registry[v.id].group for v in reply.perspectives)
    assert len(scripted_cultures.calls) == 1  # every group in one batched call
    question, options, rows = scripted_cultures.calls[0]
    assert question == VALUE and options == ["Yes", "No", "Not sure"]
    for view in reply.perspectives:
        assert list(view.distribution) == options
        assert sum(view.distribution.values()) == pytest.approx(1.0)
        assert f"{view.name} (culture adapter: Yes 22%, No 33%, Not sure 44%)" in reply.text
    html = perspective_cards_html(reply.perspectives)
    assert safe_text("answer shares (culture adapter): Yes 22%, No 33%") in html


def test_without_options_groups_never_speak(tmp_path, embedder, scripted_cultures):
    agent, _ = make_agent(tmp_path, embedder)
    reply = agent.chat(VALUE)
    registry = {p.id: p for p in load_registry()}
    assert reply.kind == "perspectives"
    assert not any(registry[v.id].group for v in reply.perspectives)
    assert all(v.distribution is None for v in reply.perspectives)
    assert scripted_cultures.calls == []


def test_failing_adapters_fall_back_to_sample_shares(tmp_path, embedder, monkeypatch):
    class Broken(ScriptedCultures):
        def score(self, question, options, rows):
            raise RuntimeError("boom")

    monkeypatch.setattr(adapters, "available", lambda *a: True)
    monkeypatch.setattr(adapters, "CultureAdapters", Broken)
    agent, _ = make_agent(tmp_path, embedder)
    reply = agent.chat(OPTIONS_QUESTION)
    assert reply.kind == "perspectives"
    assert all(v.distribution is None for v in reply.perspectives)
    assert "of samples" in reply.text


@pytest.mark.model
@pytest.mark.skipif(not adapters.available(), reason="no trained culture adapters")
def test_real_adapters_give_each_group_perspective_its_shares():
    from agent.nodes.respond import group_distributions
    from tests.agent.fakes import node_runtime

    ctx = node_runtime().context
    pids = [p.id for p in load_registry() if p.group]
    request = (
        "Question: How important is religion in your life?\nOptions: A. Very important "
        "B. Somewhat important C. Not too important D. Not at all important"
    )
    shares = group_distributions({"request": request}, ctx, pids)
    assert set(shares) == set(pids)
    for dist in shares.values():
        assert list(dist)[0] == "Very important" and sum(dist.values()) == pytest.approx(1.0)
    egypt, japan = shares["people-in-egypt"], shares["people-in-japan"]
    assert max(abs(egypt[o] - japan[o]) for o in egypt) > 1e-3  # groups are told apart


@pytest.mark.model
@pytest.mark.timeout(900)
@pytest.mark.skipif(not adapters.available(), reason="no trained culture adapters")
def test_a_goqa_question_goes_through_the_real_judge_to_adapter_shares(
    tmp_path, default_backend, embedder
):
    """End to end on the real model: the contested judge (agent/judge_weights) finds a
    GlobalOpinionQA TEST question with lettered options value-laden, the perspectives move
    voices the registry's group perspectives through the culture adapters, and each comes
    back with the adapters' shares over the question's own options."""
    from agent import Agent, AgentConfig

    question = (
        "What's the best model economy for your country to try to follow - a free market "
        "capitalist one such as in the United States or a state capitalist one such as in "
        "China?"
    )
    options = ["Free market capitalism", "State capitalism", "Neither (VOL)"]
    request = f"Question: {question}\nOptions: " + " ".join(
        f"{letter}. {o}" for letter, o in zip("ABC", options, strict=True)
    )
    config = AgentConfig(db_path=tmp_path / "c.sqlite", data_dir=tmp_path, timeout_s=900)
    reply = Agent(config, backend=default_backend, embedder=embedder).chat(request)
    assert reply.kind == "perspectives", reply.route_reason
    registry = {p.id: p for p in load_registry()}
    voiced = [v for v in reply.perspectives if registry[v.id].group]
    assert voiced, [v.id for v in reply.perspectives]
    for view in voiced:
        assert list(view.distribution) == options
        assert sum(view.distribution.values()) == pytest.approx(1.0)
        assert f"{view.name} (culture adapter: " in reply.text
    html = perspective_cards_html(reply.perspectives)
    assert safe_text("answer shares (culture adapter): ") in html

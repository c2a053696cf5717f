"""app.py without a model or a browser: rendering, sessions and handlers over a fake agent."""

import copy
import subprocess
import sys
from pathlib import Path

import pytest

import app
from agent.db import Database
from agent.participation import ParticipationStore
from tests.ui_fakes import FakeAgent, reply, view


@pytest.fixture
def ui(tmp_path):
    ui = app.ClarionUI(
        FakeAgent(),
        ParticipationStore(tmp_path / "db.sqlite"),
        app.ThreadTokens(b"k" * 64),
        tmp_path / "perspectives.yaml",
    )
    app.build_app(ui, ["general", "health"])
    return ui


def run_turn(ui, message, history=None, thread=None):
    # the handler edits its history list in place between yields: snapshot each one
    updates = [
        {k: copy.deepcopy(v) if isinstance(v, list) else v for k, v in u.items()}
        for u in ui.on_turn(message, history or [], thread)
    ]
    final = {}
    for update in updates:
        final.update(update)
    return updates, final


def test_badge_and_reason_are_in_the_bubble():
    hedged = reply(
        "hedge",
        "Maybe *Paris*.",
        confidence=0.4,
        route_reason="epistemic 0.90 >= 0.80 (profile general)",
    )
    bubble = app.reply_html(hedged)
    assert 'class="move-badge move-hedge"' in bubble and "HEDGE" in bubble
    assert "epistemic 0.90 &gt;= 0.80" in bubble and "confidence 40%" in bubble
    assert bubble.endswith("Maybe *Paris*.")  # the text stays markdown


def test_perspective_cards_escape_model_text():
    cards = app.perspective_cards_html([view("care", "<b>Care</b>", 0.25)])
    assert "&lt;b&gt;Care&lt;/b&gt;" in cards and "25% of samples" in cards


def test_uncertainty_figure_marks_crossed_thresholds():
    fig = app.uncertainty_figure(
        {"semantic_entropy": 0.2, "ambiguity": 0.9},
        {"semantic_entropy": 1.0, "epistemic": 0.8, "ambiguity": 0.3, "value_conflict": 0.3},
    )
    bars = fig.axes[0].patches
    assert [round(b.get_width(), 2) for b in bars] == [0.2, 0.0, 0.9, 0.0]
    red = {i for i, b in enumerate(bars) if b.get_facecolor()[0] > 0.7}
    assert red == {2}  # only ambiguity crossed its threshold
    off = app.uncertainty_figure({}, {"ambiguity": 99.0})  # a switched-off move stays readable
    assert off.axes[0].get_xlim()[1] < 5
    assert any("threshold 99" in t.get_text() for t in off.axes[0].texts)


def test_clusters_list_members_and_probabilities():
    reply = FakeAgent().reply_for("capital?", "t", False)
    text = app.clusters_markdown(reply.clusters, 8)
    assert "2 meaning clusters over 8 samples" in text
    assert "**1. 90%**" in text and "- Paris." in text and "**2. 10%**" in text


def test_thread_tokens_reject_forged_and_foreign_ids(tmp_path, monkeypatch):
    monkeypatch.delenv(app.SECRET_KEY_ENV, raising=False)
    db = Database(tmp_path / "db.sqlite")
    tokens = app.ThreadTokens(app.signing_key(db))
    token = tokens.issue("abc")
    assert tokens.verify(token) == "abc"
    again = app.ThreadTokens(app.signing_key(Database(tmp_path / "db.sqlite")))
    assert again.verify(token) == "abc"  # the key is kept in the database: survives a restart
    assert tokens.verify("someone-else.0000") is None
    assert tokens.verify("abc") is None and tokens.verify(None) is None
    other = app.ThreadTokens(app.signing_key(Database(tmp_path / "other.sqlite")))
    assert other.verify(token) is None
    assert tokens.storage_secret == again.storage_secret


def test_signing_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv(app.SECRET_KEY_ENV, "s" * 40)
    assert app.signing_key(Database(tmp_path / "db.sqlite")) == b"s" * 40
    monkeypatch.setenv(app.SECRET_KEY_ENV, "short")
    with pytest.raises(SystemExit, match="at least 32"):
        app.signing_key(Database(tmp_path / "db.sqlite"))


def test_clarify_then_option_resumes_the_same_thread(ui):
    w = ui.widgets
    updates, final = run_turn(ui, "Which bank is best?")
    assert "turn-progress" in updates[1][w.chatbot][-1]["content"]  # progress while working
    thread = final[w.thread]
    assert "move-clarify" in final[w.chatbot][-1]["content"]
    assert final[w.options_box].visible
    assert [final[b].value for b in w.options[:2]] == ["a river bank", "a bank for money"]
    assert not final[w.options[2]].visible
    _, final2 = run_turn(ui, "a river bank", final[w.chatbot], thread)
    assert final2[w.thread] == thread
    assert "Resumed: a river bank" in final2[w.chatbot][-1]["content"]
    assert not final2[w.options_box].visible


def test_errors_are_chat_messages_without_internals(ui):
    _, final = run_turn(ui, "boom")
    bubble = final[ui.widgets.chatbot][-1]["content"]
    assert "ERROR" in bubble and app.GENERIC_ERROR in bubble
    assert "/root/x" not in bubble and "Traceback" not in bubble
    updates, _ = run_turn(ui, "   ")
    assert updates == [{ui.widgets.status: "Type a message first."}]


def test_reload_reattaches_only_a_signed_thread(ui):
    w = ui.widgets
    _, final = run_turn(ui, "Which bank is best?")
    token, thread = final[w.browser], final[w.thread]
    loaded = ui.on_load(token)
    assert loaded[w.thread] == thread
    assert len(loaded[w.chatbot]) == 2 and "CLARIFY" in loaded[w.chatbot][1]["content"]
    assert loaded[w.options_box].visible  # the open question still offers its readings
    forged = ui.on_load(f"{thread}.deadbeef")
    assert forged[w.thread] != thread and forged[w.chatbot] == []


def test_perspectives_feedback_is_stored_and_tallied(ui):
    w = ui.widgets
    _, final = run_turn(ui, "should I eat meat?")
    assert final[w.feedback_box].visible
    assert final[w.fb_choice].choices == [("Care", "care"), ("Liberty", "liberty")]
    out = ui.on_feedback("care", "", final[w.thread])
    assert "recorded" in out[w.fb_status]
    ui.on_feedback(None, "A farmer's view", final[w.thread])
    assert [row[1:] for row in out[w.tallies]] == [["care", 1], ["missing", 0]]
    rep = ui.representation_views()
    assert ["(a view was missing)", "missing", 1] in rep[w.tallies]
    assert "A farmer&#x27;s view" in rep[w.missing_views]
    assert "⚠️" in ui.on_feedback(None, " ", final[w.thread])[w.fb_status]


def test_propose_perspective_validates_plainly(ui):
    bad = ui.on_propose("", "", "", "", "", "", "")
    assert bad.startswith("⚠️ Not added:")
    good = ui.on_propose(
        "stewardship",
        "Stewardship",
        "Care for land and future generations",
        "Answer as someone who values long-term stewardship.",
        "Ana",
        "",
        "environment",
    )
    assert "Added **Stewardship**" in good
    assert "stewardship" in ui.perspectives_file.read_text()
    assert "already exists" in ui.on_propose("stewardship", "S", "d", "p", "", "", "x")


def test_settings_apply_and_a_failed_model_switch_is_reverted(ui):
    assert "Applied" in ui.on_settings("health", 6, 2, "", "none")
    assert ui.agent.config.context == "health" and ui.agent.config.samples == 6
    msg = ui.on_settings("health", 6, 2, "missing/model", "4bit")
    assert msg.startswith("⚠️ Settings not applied") and "not found" in msg


def test_help_lists_the_flags():
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, str(root / "app.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
    )
    assert out.returncode == 0, out.stderr
    for flag in ("--host", "--port", "--model", "--quantize", "--context", "--db", "examples"):
        assert flag in out.stdout

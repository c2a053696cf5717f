"""The real app (subprocess, real default model) driven by Chromium and by gradio_client.

A test context profile (tests/profiles/eager-clarify.yaml) makes clarify reliable on the
small model: the normativity gate is shut, and any ambiguity with differing readings asks.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eval.reliability.server import AppProcess

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).parent / "artifacts"
SCREENSHOT = ARTIFACTS / "ui-clarify.png"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TURN_MS = 900_000  # one turn on 2 CPU cores shared with other jobs; usually ~15-130 s
# One of the few requests whose readings SmolLM2 (seed 0, 3 samples) answers differently
# ("skip" vs. "skip a meal"); it clarified this CLAMBER row in the clarification suite too.
UNDERSPECIFIED = "What does it mean to skip?"
FOLLOW_UP = "I mean skipping a meal."  # typed when the model does not clarify
PROFILE = ROOT / "tests" / "profiles" / "eager-clarify.yaml"  # asks on any differing readings

NO_CLARIFY = (
    "SmolLM2-135M found no two readings of the probe message that lead to different "
    "answers (agent/nodes/interpret.py filters most of its rewrites), so the clarify "
    "buttons were not exercised on the real model this run; the scripted-agent "
    "browser test covers them"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    extra = ("--context", str(PROFILE), "--samples", "3", "--timeout", "600")
    app = AppProcess(tmp_path_factory.mktemp("app"), extra=extra)
    app.start()
    yield app
    app.stop()
    assert "Traceback" not in app.tail(10_000), app.tail()


@pytest.fixture
def scripted_server(tmp_path):
    # the same app over tests/ui_fakes.FakeAgent: no model, deterministic
    app = AppProcess(tmp_path / "scripted", entry=(str(ROOT / "tests" / "ui_fake_server.py"),))
    app.start(timeout=120)
    yield app
    app.stop()


@pytest.fixture
def browser_page(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is missing: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def wait_for_badges(page, count: int, server: AppProcess) -> None:
    """Wait for the count-th reply; on a timeout, say what the page and the server show."""
    from playwright.sync_api import expect

    try:
        expect(page.locator("#chat .move-badge")).to_have_count(count, timeout=TURN_MS)
    except AssertionError as exc:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui-failure.png"), full_page=True)
        raise AssertionError(
            f"{exc}\n--- chat ---\n{page.locator('#chat').inner_text()}"
            f"\n--- app.log ---\n{server.tail()}"
        ) from None


@pytest.mark.model
@pytest.mark.browser
def test_clarify_in_the_browser_then_resume_and_survive_a_restart(server, browser_page):
    from playwright.sync_api import expect

    from agent.participation import ParticipationStore

    page = browser_page
    page.goto(server.url)
    page.locator("#msg textarea").fill(UNDERSPECIFIED)
    page.locator("#send").click()
    badges = page.locator("#chat .move-badge")
    wait_for_badges(page, 1, server)
    expect(page.locator("#uncertainty-plot img")).to_be_visible()
    clarified = badges.first.inner_text() == "CLARIFY"
    if clarified:
        option = page.locator("#clarify-options button:visible").first
        chosen = option.inner_text().strip()
        assert chosen
        option.click()
    else:  # the model found no two readings that answer differently: a typed follow-up
        chosen = FOLLOW_UP
        page.locator("#msg textarea").fill(chosen)
        page.locator("#send").click()
    wait_for_badges(page, 2, server)
    second = badges.nth(1).inner_text()
    assert second in ("ANSWER", "HEDGE"), second  # one clarify round, then it answers
    expect(page.locator("#chat")).to_contain_text(chosen)  # the reading, sent as the reply
    expect(page.locator("#clarify-options")).to_be_hidden()
    page.get_by_text("Answer clusters").click()
    # the samples' clusters, or (a turn the probe answered) that nothing was sampled
    sampled = re.compile(r"meaning clusters? over \d|Nothing was sampled for this turn")
    expect(page.locator("#clusters")).to_contain_text(sampled)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # Feedback stored in the shared database shows up in the Representation tab.
    store = ParticipationStore(server.db)
    store.shown("someone", ["care"])
    store.record("someone", "care", None)
    page.get_by_role("tab", name="Representation").click()
    expect(page.locator("#tallies")).to_contain_text("care")

    # A server restart keeps the conversation: the reload reattaches this browser's thread.
    server.stop()
    server.start()
    page.reload()
    expect(badges).to_have_count(2, timeout=60_000)
    expect(page.locator("#chat")).to_contain_text(UNDERSPECIFIED)
    if not clarified:
        pytest.xfail(NO_CLARIFY)


# A GlobalOpinionQA TEST question with lettered options (as tests/agent/
# test_culture_perspectives.py asks it of the agent): the contested judge finds it
# value-laden and the culture adapters voice the registry's group perspectives.
GOQA_REQUEST = (
    "Question: What's the best model economy for your country to try to follow - a free "
    "market capitalist one such as in the United States or a state capitalist one such as "
    "in China?\nOptions: A. Free market capitalism B. State capitalism C. Neither (VOL)"
)


@pytest.fixture(scope="module")
def default_server(tmp_path_factory):
    app = AppProcess(tmp_path_factory.mktemp("app-default"), extra=("--timeout", "600"))
    app.start()
    yield app
    app.stop()
    assert "Traceback" not in app.tail(10_000), app.tail()


@pytest.mark.model
@pytest.mark.browser
def test_culture_adapter_shares_on_the_perspective_cards(default_server, browser_page):
    """The real app on the default profile: the cards of a contested options question
    show the culture adapters' answer shares."""
    from playwright.sync_api import expect

    page = browser_page
    page.goto(default_server.url)
    page.locator("#msg textarea").fill(GOQA_REQUEST)
    page.locator("#send").click()
    wait_for_badges(page, 1, default_server)
    assert page.locator("#chat .move-badge").first.inner_text() == "PERSPECTIVES"
    shares = page.locator("#chat .pv-card").filter(has_text="answer shares (culture adapter)")
    expect(shares.first).to_be_visible()
    text = shares.first.inner_text()
    assert re.search(r"Free market capitalism \d+%", text), text
    assert re.search(r"State capitalism \d+%", text), text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-culture-shares.png"), full_page=True)


@pytest.mark.model
def test_api_turn_and_representation_feedback(server):
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    reply = client.predict(UNDERSPECIFIED, api_name="/ask")
    assert reply["uncertainty"]["n_samples"] > 0, reply
    clarified = reply["kind"] == "clarify"
    if clarified:
        assert len(reply["options"]) >= 2
    follow_up = reply["options"][0] if clarified else FOLLOW_UP
    resumed = client.predict(follow_up, api_name="/ask")  # same session, same thread
    assert resumed["thread_id"] == reply["thread_id"] and resumed["kind"] in ("answer", "hedge")

    before = client.predict(api_name="/representation")["tallies"]
    # feedback belongs to a perspectives reply: this thread has shown none, so it is refused
    refused = client.predict("", "A farmer's view was missing", api_name="/feedback")
    assert "perspectives" in refused["error"]
    other = Client(server.url, verbose=False)  # another person, who has not asked anything
    assert other.predict(api_name="/representation")["tallies"] == before
    assert "error" in other.predict("care", "", api_name="/feedback")
    if not clarified:
        pytest.xfail(NO_CLARIFY)


@pytest.mark.browser
def test_clarify_buttons_and_perspective_feedback_in_the_browser(scripted_server, browser_page):
    """The UI's own paths, deterministic: a scripted agent instead of the model."""
    from playwright.sync_api import expect

    page, chat = browser_page, browser_page.locator("#chat")
    page.goto(scripted_server.url)
    page.locator("#msg textarea").fill("Which bank is best?")
    page.locator("#send").click()
    expect(chat.locator(".move-clarify")).to_have_count(1, timeout=60_000)
    page.locator("#clarify-options button").filter(has_text="a river bank").click()
    expect(chat.locator(".move-answer")).to_have_count(1, timeout=60_000)
    expect(chat).to_contain_text("Resumed: a river bank")  # same thread, resumed
    expect(page.locator("#clarify-options")).to_be_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-clarify-scripted.png"), full_page=True)

    page.locator("#msg textarea").fill("should we eat meat?")
    page.locator("#send").click()
    expect(chat.locator(".pv-card")).to_have_count(2, timeout=60_000)
    page.locator("#feedback label").filter(has_text="Care").first.click()
    page.locator("#feedback button").filter(has_text="Send feedback").click()
    expect(page.locator("#feedback")).to_contain_text("recorded")
    page.screenshot(path=str(ARTIFACTS / "ui-perspectives-scripted.png"), full_page=True)
    page.locator("#msg textarea").fill("boom")
    page.locator("#send").click()
    expect(chat.locator(".move-error")).to_have_count(1, timeout=60_000)
    assert "Traceback" not in chat.inner_text()

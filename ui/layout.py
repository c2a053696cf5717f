"""The Blocks layout: build_app(ui) makes every component, names it on `ui.widgets`
and wires each event to its ClarionUI handler (page events private to the page, the
model calls in one queue)."""

from __future__ import annotations

import functools
from typing import Any

import gradio as gr

from ui.chat import ClarionUI
from ui.render import MAX_OPTIONS, clusters_markdown, panel_header_md, uncertainty_figure

CSS = """
.move-badge { display:inline-block; padding:2px 10px; border-radius:999px; font-weight:600;
  font-size:0.78em; letter-spacing:.05em; color:#fff; }
.move-answer { background:#2e7d32; } .move-hedge { background:#b26a00; }
.move-clarify { background:#1565c0; } .move-perspectives { background:#6a1b9a; }
.move-error { background:#b71c1c; }
.reply-head { display:flex; align-items:center; gap:10px; flex-wrap:wrap; }
.reply-meta { color:var(--body-text-color-subdued); font-size:0.8em; }
.route-reason { color:var(--body-text-color-subdued); font-size:0.82em; margin-top:4px; }
.pv-cards { display:flex; gap:10px; flex-wrap:wrap; margin-top:6px; min-width:min(620px, 60vw); }
.pv-card { flex:1 1 180px; border:1px solid var(--border-color-primary); border-left:4px solid
  #6a1b9a; border-radius:8px; padding:8px 10px; background:var(--background-fill-secondary); }
.pv-head { display:flex; justify-content:space-between; gap:6px; font-weight:700; }
.pv-share { font-weight:400; font-size:0.8em; color:var(--body-text-color-subdued); }
.pv-position { margin:6px 0; } .pv-reasoning { font-size:0.85em;
  color:var(--body-text-color-subdued); }
.turn-progress { display:flex; align-items:center; gap:8px; font-style:italic; }
.spinner { width:12px; height:12px; border:2px solid #999; border-top-color:transparent;
  border-radius:50%; animation:spin 0.8s linear infinite; }
@keyframes spin { to { transform:rotate(360deg); } }
#clarify-options button { white-space:normal; justify-content:flex-start; text-align:left;
  border:1px solid #1565c0; color:#1565c0; font-size:0.95em; }
#clarify-options button:hover { background:#e3eefb; }
"""

THEME = gr.themes.Soft(
    primary_hue="indigo",
    font=[gr.themes.LocalFont("Source Sans Pro"), "ui-sans-serif", "system-ui", "sans-serif"],
)
PLACEHOLDER = (
    "**Ask anything.** Clarion samples several answers, measures how much they "
    "disagree and why, and then answers, hedges, asks what you meant, or shows "
    "several perspectives."
)
INTRO = (
    "# Clarion\nA chat agent that says when it does not know, asks when your request "
    "can be read in several ways, and shows several perspectives when a question has no "
    "single right answer."
)


def build_app(ui: ClarionUI) -> gr.Blocks:
    """The Blocks app; `ui.widgets` afterwards names every component the handlers update."""
    agent, bounds = ui.agent, ui.bounds
    defaults = ui.new_session()["settings"]
    model_calls: dict[str, Any] = {"concurrency_id": "model", "concurrency_limit": 1}
    hidden: dict[str, Any] = {
        "api_visibility": "private"
    }  # the page's own events: no API, caller checked
    with gr.Blocks(title="Clarion") as demo:
        w = ui.widgets
        w.thread = gr.State(None)  # this session's thread id: server-side, never editable
        w.session = gr.State(None)  # this page's session (person, settings): set by load
        w.browser = gr.BrowserState(
            None, storage_key="clarion-thread", secret=ui.tokens.storage_secret
        )
        w.person = gr.BrowserState(
            None, storage_key="clarion-person", secret=ui.tokens.storage_secret
        )
        gr.Markdown(INTRO)
        with gr.Tab("Chat"), gr.Row(equal_height=False):
            with gr.Column(scale=3):
                w.chatbot = gr.Chatbot(
                    show_label=False,
                    height=None,
                    min_height=360,
                    max_height=900,
                    elem_id="chat",
                    buttons=["copy"],
                    feedback_options=None,
                    placeholder=PLACEHOLDER,
                )
                with gr.Column(visible=False, elem_id="clarify-options") as w.options_box:
                    gr.Markdown("**Which did you mean?**")
                    w.options = [
                        gr.Button(
                            visible=False,
                            size="sm",
                            variant="secondary",
                            elem_classes=["clarify-option"],
                        )
                        for _ in range(MAX_OPTIONS)
                    ]
                with gr.Row():
                    w.msg = gr.Textbox(
                        placeholder="Connecting…",
                        show_label=False,
                        scale=6,
                        elem_id="msg",
                        max_lines=6,
                        interactive=False,
                    )
                    w.send = gr.Button(
                        "Send", variant="primary", scale=1, elem_id="send", interactive=False
                    )
                with gr.Row():
                    w.status = gr.Markdown("", elem_id="status")
                    w.new = gr.Button("New conversation", size="sm", scale=0)
                with gr.Column(visible=False, elem_id="feedback") as w.feedback_box:
                    gr.Markdown("**Did one of these perspectives represent you?**")
                    w.fb_choice = gr.Radio(label="The perspective closest to yours", choices=[])
                    w.fb_missing = gr.Textbox(label="…or a view that was missing", lines=2)
                    w.fb_send = gr.Button("Send feedback", size="sm")
                    w.fb_status = gr.Markdown()
            with gr.Column(scale=2):
                gr.Markdown("### What Clarion is unsure about")
                w.panel_header = gr.Markdown(panel_header_md(None), elem_id="panel-header")
                w.plot = gr.Plot(
                    uncertainty_figure(None, agent.profile.thresholds),
                    show_label=False,
                    elem_id="uncertainty-plot",
                )
                with gr.Accordion("Answer clusters", open=False):
                    w.clusters = gr.Markdown(clusters_markdown([]), elem_id="clusters")
        with gr.Tab("Settings"):
            gr.Markdown(
                "Your settings: they apply to your own conversations, from the next turn on. "
                "The model and the data are the operator's (`python app.py --help`)."
            )
            w.context = gr.Dropdown(
                bounds.profiles,
                value=defaults["context"],
                label="Context profile (thresholds per component)",
            )
            w.samples = gr.Slider(
                1,
                bounds.max_samples,
                value=defaults["samples"],
                step=1,
                label="Samples per reading and perspective",
            )
            w.readings = gr.Slider(
                1,
                bounds.max_readings,
                value=defaults["readings"],
                step=1,
                label="Readings of the request (at most)",
            )
            w.apply = gr.Button("Apply", variant="primary")
            w.settings_status = gr.Markdown()
        with gr.Tab("Representation") as w.rep_tab:
            gr.Markdown(
                "How often each perspective represented someone, and the views people missed."
            )
            w.tallies = gr.Dataframe(
                headers=["perspective", "id", "times chosen"], interactive=False, elem_id="tallies"
            )
            w.missing_views = gr.Markdown(elem_id="missing-views")
            with gr.Accordion("Propose a perspective", open=False):
                p_id = gr.Textbox(label="id (lowercase, e.g. 'care-ethics')")
                p_name = gr.Textbox(label="Name")
                p_desc = gr.Textbox(label="What this perspective values", lines=2)
                p_prompt = gr.Textbox(label="How it reasons (instruction to the model)", lines=3)
                with gr.Row():
                    p_contrib = gr.Textbox(label="Your name (optional)")
                    p_source = gr.Textbox(label="Source (optional)")
                    p_tags = gr.Textbox(label="Tags, comma separated (at least one)")
                p_send = gr.Button("Propose")
                p_status = gr.Markdown(elem_id="propose-status")
            gr.Markdown(
                "**Proposed perspectives** are voiced to nobody until the operator accepts "
                "them"
                + (
                    f", or {agent.profile.proposal_supporters} people other than the proposer "
                    "support them."
                    if agent.profile.proposal_supporters
                    else "."
                )
            )
            w.proposals = gr.Dataframe(
                headers=["id", "name", "supporters", "status"],
                interactive=False,
                elem_id="proposals",
            )
            with gr.Row():
                s_id = gr.Textbox(label="Proposal id", scale=3)
                s_send = gr.Button("Support it", scale=1)
                if ui.admins:
                    a_accept = gr.Button("Accept (admin)", scale=1)
                    a_reject = gr.Button("Reject (admin)", scale=1)
            s_status = gr.Markdown(elem_id="support-status")
        with gr.Column(visible=False):  # API-only endpoints for gradio_client
            api_in, api_pid, api_missing = gr.Textbox(), gr.Textbox(), gr.Textbox()
            api_token = gr.Textbox(value="")
            api_out = gr.JSON()
            api_ask, api_fb, api_rep = gr.Button(), gr.Button(), gr.Button()

        turn_outputs = [
            w.chatbot,
            w.msg,
            w.thread,
            w.browser,
            w.status,
            w.options_box,
            *w.options,
            w.plot,
            w.panel_header,
            w.clusters,
            w.feedback_box,
            w.fb_choice,
            w.fb_missing,
            w.fb_status,
        ]
        demo.load(
            ui.on_load,
            [w.browser, w.person],
            [*turn_outputs, w.send, w.session, w.person],
            **hidden,
        )
        for trigger in (w.send.click, w.msg.submit):
            trigger(
                ui.on_turn,
                [w.msg, w.chatbot, w.thread, w.session],
                turn_outputs,
                **model_calls,
                **hidden,
            )
        for button in w.options:
            button.click(
                ui.on_turn,
                [button, w.chatbot, w.thread, w.session],
                turn_outputs,
                **model_calls,
                **hidden,
            )
        for trigger in (w.new.click, w.chatbot.clear):  # the chat's bin starts afresh too
            trigger(ui.on_new, [w.session], turn_outputs, **hidden)
        rep_views = [w.tallies, w.missing_views, w.proposals]
        w.fb_send.click(
            ui.on_feedback,
            [w.fb_choice, w.fb_missing, w.thread, w.session],
            [w.fb_status, w.fb_missing, *rep_views],
            **hidden,
        )
        w.rep_tab.select(ui.representation_views, None, rep_views, **hidden)
        p_send.click(
            ui.on_propose,
            [p_id, p_name, p_desc, p_prompt, p_contrib, p_source, p_tags, w.session],
            p_status,
            **hidden,
        )
        s_send.click(ui.on_support, [s_id, w.session], [s_status, w.proposals], **hidden)
        if ui.admins:
            for button, accept in ((a_accept, True), (a_reject, False)):
                button.click(
                    functools.partial(ui.on_decide, accept=accept),
                    [s_id, w.session],
                    [s_status, w.proposals],
                    **hidden,
                )
        w.apply.click(
            ui.on_settings,
            [w.context, w.samples, w.readings, w.session],
            [w.session, w.settings_status],
            **hidden,
        )
        api_ask.click(
            ui.api_ask,
            [api_in, api_token, w.thread],
            [api_out, w.thread],
            api_name="ask",
            **model_calls,
        )
        api_fb.click(
            ui.api_feedback, [api_pid, api_missing, w.thread], api_out, api_name="feedback"
        )
        api_rep.click(ui.api_representation, None, api_out, api_name="representation")
    return demo

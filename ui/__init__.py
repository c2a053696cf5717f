"""Clarion's chat UI (Gradio Blocks): a thin layer over `agent.Agent`.

The agent decides everything (which move, why, how sure); this package only shows it.
It is the one place that knows Gradio:

- ui.render        Reply -> chat bubble HTML, uncertainty chart, cluster list (pure)
- ui.sessions      a page's session: the person and their settings, within the bounds
- ui.chat          ClarionUI: the chat events (a turn streamed node by node, settings)
- ui.participation votes, missing views and proposed perspectives
- ui.layout        build_app(ui): the components and their wiring

`app.py` is the command line that starts it (`python app.py --help`).
"""

from ui.chat import ClarionUI
from ui.layout import CSS, THEME, build_app
from ui.sessions import Bounds

__all__ = ["CSS", "THEME", "Bounds", "ClarionUI", "build_app"]

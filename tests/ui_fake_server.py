"""Serve app.py over the scripted FakeAgent (no model), for the fast browser test.

python tests/ui_fake_server.py PORT FOLDER
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import app  # noqa: E402
from agent.db import Database  # noqa: E402
from agent.participation import ParticipationStore  # noqa: E402
from tests.ui_fakes import FakeAgent  # noqa: E402


def main(port: int, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ui = app.ClarionUI(
        FakeAgent(),
        ParticipationStore(folder / "clarion.sqlite"),
        app.ThreadTokens(app.signing_key(Database(folder / "clarion.sqlite"))),
        folder / "perspectives.yaml",
    )
    demo = app.build_app(ui)
    demo.queue(default_concurrency_limit=1).launch(
        server_name="127.0.0.1", server_port=port, css=app.CSS, theme=app.THEME
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))

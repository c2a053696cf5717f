"""Serve the ui package over the scripted FakeAgent (no model), for the fast browser test.

python tests/ui_fake_server.py --host 127.0.0.1 --port PORT --db FILE --data-dir DIR
(the flags eval.reliability.server.AppProcess gives every app it starts)
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from agent.db import Database  # noqa: E402
from agent.participation import ParticipationStore  # noqa: E402
from agent.sessions import ThreadTokens, signing_key  # noqa: E402
from tests.ui_fakes import FakeAgent  # noqa: E402
from ui import CSS, THEME, ClarionUI, build_app  # noqa: E402


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    ui = ClarionUI(
        FakeAgent(),
        ParticipationStore(args.db),
        ThreadTokens(signing_key(Database(args.db))),
        args.data_dir / "perspectives.yaml",
    )
    demo = build_app(ui)
    demo.queue(default_concurrency_limit=1).launch(
        server_name=args.host, server_port=args.port, css=CSS, theme=THEME
    )


if __name__ == "__main__":
    main(sys.argv[1:])

"""Start Clarion's chat UI: `python app.py --help`. The UI itself is the `ui` package."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from agent.errors import ClarionError
from agent.llm import BACKEND_CHOICES
from agent.llm.loading import QUANTIZE_CHOICES
from agent.sessions import ThreadTokens, signing_key
from ui import CSS, THEME, Bounds, ClarionUI, build_app

DESCRIPTION = """Start Clarion's chat UI in the browser.

The model loads once at start (a progress bar shows in the terminal); conversations and
participation feedback are stored in one database (--db: a SQLite file, or PostgreSQL
for several app processes behind a load balancer) and survive a restart.

examples:
  python app.py                                  # http://127.0.0.1:7860, embedded model
  python app.py --port 8000 --context health
  python app.py --model HuggingFaceTB/SmolLM2-360M-Instruct --quantize 4bit
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python app.py",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to bind (default: 127.0.0.1, this machine only)",
    )
    parser.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    parser.add_argument(
        "--model",
        default=None,
        metavar="ID|PATH|GGUF",
        help="Hugging Face id, local folder or .gguf file (default: embedded "
        "SmolLM2-135M-Instruct)",
    )
    parser.add_argument(
        "--quantize",
        choices=QUANTIZE_CHOICES,
        default="none",
        help="bitsandbytes quantization (default: none)",
    )
    parser.add_argument(
        "--backend",
        choices=BACKEND_CHOICES,
        default=None,
        help="auto (default): openai if --base-url is given, else llama.cpp for a GGUF file "
        "on a CPU, else transformers",
    )
    parser.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="an OpenAI-compatible model server (vLLM, llama.cpp), e.g. "
        "http://127.0.0.1:8000/v1; --model names the served model. API key: $CLARION_API_KEY",
    )
    parser.add_argument(
        "--context",
        default="general",
        metavar="NAME|YAML",
        help="context profile name or YAML file (default: general)",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=None,
        metavar="N",
        help="answers sampled per reading and perspective (default: 4)",
    )
    parser.add_argument(
        "--readings",
        type=int,
        default=None,
        metavar="K",
        help="readings of a request to consider, at most (default: 3)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="time budget of one turn (default: 120)",
    )
    parser.add_argument(
        "--db",
        default=None,
        metavar="PATH|URL",
        help="conversations and feedback: a SQLite file (default: the user data folder) or "
        "postgresql://user@host:port/dbname, which several app processes can share",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder for user data such as proposed perspectives (default: the user data folder)",
    )
    people = parser.add_argument_group("serving other people")
    people.add_argument(
        "--max-samples",
        type=int,
        default=8,
        metavar="N",
        help="the most samples a person may choose in Settings (default: 8)",
    )
    people.add_argument(
        "--max-readings",
        type=int,
        default=4,
        metavar="K",
        help="the most readings a person may choose in Settings (default: 4)",
    )
    people.add_argument(
        "--queue-size",
        type=int,
        default=64,
        metavar="N",
        help="turns that may wait at once; more are refused with a 'busy' message (default 64)",
    )
    people.add_argument(
        "--auth",
        action="append",
        metavar="USER:PASSWORD",
        help="require a login (repeat for more users); default: no login",
    )
    people.add_argument(
        "--admin",
        action="append",
        metavar="USER",
        help="a logged-in user who may accept or reject proposed perspectives in the UI "
        "(repeatable; needs --auth). Without it: python -m agent perspectives",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def parse_auth(pairs: list[str]) -> list[tuple[str, str]]:
    """--auth USER:PASSWORD pairs (a password may hold ':')."""
    out = []
    for pair in pairs:
        user, sep, password = pair.partition(":")
        if not sep or not user or not password:
            raise SystemExit(f"error: --auth expects USER:PASSWORD, got {pair!r}")
        out.append((user, password))
    return out


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from agent import Agent, AgentConfig
    from agent.cli_config import db_setting
    from agent.files import private_dir, private_umask
    from agent.participation import ParticipationStore
    from agent.perspectives import user_registry_path
    from agent.profiles import list_profiles

    private_umask()  # conversations, feedback and the key: readable by this account only
    auth = parse_auth(args.auth or [])
    admins = frozenset(args.admin or ())
    if admins - {user for user, _ in auth}:
        raise SystemExit("error: every --admin must be a user given with --auth")
    try:
        settings = {
            "model": args.model,
            "quantize": args.quantize,
            "backend": args.backend,
            "base_url": args.base_url,
            "context": args.context,
            **db_setting(args.db),
            "data_dir": args.data_dir,
            "samples": args.samples,
            "readings": args.readings,
            "timeout_s": args.timeout,
        }
        config = AgentConfig.parse(
            {k: v for k, v in settings.items() if v is not None}, source="command line"
        )
        private_dir(config.data_folder, tighten=True)  # an existing db's folder stays as it is
        agent = Agent(config)
        agent.warm()  # model and embedder load now, with a progress bar, not in turn one
        participation = ParticipationStore(agent.database)
        tokens = ThreadTokens(signing_key(agent.database))
    except ClarionError as exc:
        raise SystemExit(f"error: {exc}") from None
    profiles = sorted({*list_profiles(config.data_dir), config.context})
    ui = ClarionUI(
        agent,
        participation,
        tokens,
        user_registry_path(config.data_folder),
        Bounds(profiles, args.max_samples, args.max_readings),
        admins,
    )
    demo = build_app(ui)
    demo.queue(default_concurrency_limit=1, max_size=args.queue_size).launch(
        server_name=args.host,
        server_port=args.port,
        css=CSS,
        show_error=False,
        theme=THEME,
        auth=auth or None,
    )


if __name__ == "__main__":
    main()

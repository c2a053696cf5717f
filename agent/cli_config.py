"""The flags every `python -m agent` command shares, and the AgentConfig they make.

Flags override the config file (--config), which overrides the AgentConfig defaults;
--db is a SQLite file or a PostgreSQL URL (db_setting, which app.py and the perspectives
command use too).
"""

from __future__ import annotations

import argparse

from agent.llm import BACKEND_CHOICES
from agent.llm.loading import QUANTIZE_CHOICES


def add_agent_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags override the config file (--config) and the AgentConfig defaults."""
    parser.add_argument("--config", metavar="FILE", help="AgentConfig as YAML or JSON")
    parser.add_argument(
        "--model",
        metavar="ID|PATH|GGUF",
        help="Hugging Face id, local folder or .gguf file (default: embedded "
        "SmolLM2-135M-Instruct)",
    )
    parser.add_argument(
        "--quantize", choices=QUANTIZE_CHOICES, help="bitsandbytes quantization (default: none)"
    )
    parser.add_argument(
        "--backend",
        choices=BACKEND_CHOICES,
        help="auto (default): openai if --base-url is given, else llama.cpp for a GGUF "
        "file on a CPU, else transformers",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="an OpenAI-compatible model server, e.g. http://127.0.0.1:8000/v1 (vLLM, "
        "llama.cpp); --model names the served model. API key: $CLARION_API_KEY",
    )
    parser.add_argument("--threads", type=int, metavar="N", help="CPU threads for the model")
    parser.add_argument(
        "--no-adaptive",
        dest="adaptive",
        action="store_false",
        default=None,
        help="full mode: sample every turn (default: probe first, sample only when needed)",
    )
    parser.add_argument(
        "--context",
        metavar="NAME|FILE",
        help="context profile: general, health, education or a YAML path",
    )
    parser.add_argument("--samples", type=int, metavar="N", help="answers per cell (default 4)")
    parser.add_argument(
        "--readings", type=int, metavar="K", help="max readings of the request (default 3)"
    )
    parser.add_argument("--temperature", type=float, help="sampling temperature (default 0.7)")
    parser.add_argument("--max-new-tokens", type=int, help="answer length budget (default 48)")
    parser.add_argument("--seed", type=int, help="random seed (default 0)")
    parser.add_argument(
        "--timeout", type=float, metavar="S", help="give up on a turn after S seconds (default 120)"
    )
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="conversation database: a SQLite file, or postgresql://user@host:port/dbname "
        "(shared by several processes)",
    )


def load_config(args: argparse.Namespace):
    from agent.config import AgentConfig

    base = AgentConfig.load(args.config) if args.config else AgentConfig()
    flags = {
        "model": args.model,
        "quantize": args.quantize,
        "backend": args.backend,
        "base_url": args.base_url,
        "threads": args.threads,
        "adaptive": args.adaptive,
        "context": args.context,
        "samples": args.samples,
        "readings": args.readings,
        "temperature": args.temperature,
        "max_new_tokens": args.max_new_tokens,
        "seed": args.seed,
        "timeout_s": args.timeout,
        **db_setting(args.db),
    }
    changes = {k: v for k, v in flags.items() if v is not None}
    if not changes:
        return base
    return AgentConfig.parse(
        {**base.model_dump(exclude_unset=True), **changes}, source="command line"
    )


def db_setting(db: str | None) -> dict:
    """--db as AgentConfig settings: a PostgreSQL URL is db_url, anything else db_path."""
    from agent.db import is_postgres_url

    if db is None:
        return {}
    return {"db_url": db} if is_postgres_url(db) else {"db_path": db}

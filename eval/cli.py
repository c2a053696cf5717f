"""`python -m eval`: evaluate Clarion and write a report (the suite commands:
eval/cli_suites.py; training: eval/cli_train.py; bench, reliability, compare and
reproduce take their own arguments)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from agent.errors import ClarionError
from agent.llm.loading import configure_offline
from eval.cli_suites import add_suite_commands
from eval.cli_train import add_training_commands
from eval.paths import DEFAULT_DATA_DIR

DESCRIPTION = f"""Evaluate Clarion on scripted dialogues and real benchmarks.

Data sets are read in place from --data (default: {DEFAULT_DATA_DIR}); a suite whose
data is absent is skipped with a message (exit code 0).

examples:
  python -m eval list
  python -m eval run --suite dialogues
  python -m eval run --suite clarification --limit 20 --out runs/clar
  python -m eval calibrate --suite clarification --context general --limit 40
  python -m eval bench --help
  python -m eval reliability --quick --json
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m eval",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    add_suite_commands(sub)
    add_training_commands(sub)
    sub.add_parser(
        "bench",
        help="performance benchmarks (eval/bench/); arguments are forwarded",
        add_help=False,
    )
    sub.add_parser(
        "reliability",
        help="load, faults, bad input and attacks on the served app (eval/reliability)",
        add_help=False,
    )
    sub.add_parser(
        "compare",
        help="two runs of one suite side by side: metrics, turn times, same move (eval/compare.py)",
        add_help=False,
    )
    sub.add_parser(
        "reproduce",
        help="rerun every command behind the README's figures and rebuild its table "
        "(eval/reproduce.py)",
        add_help=False,
    )
    return parser


def cmd_bench(argv: list[str]) -> int:
    from eval.bench.cli import main as bench_main

    return bench_main(argv)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # SIGTERM (and SIGINT, which background shells ignore) stops a run gracefully: the
    # finished items are still scored and reported.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    configure_offline()
    if argv and argv[0] == "bench":
        return cmd_bench(argv[1:])
    if argv and argv[0] == "reliability":
        from eval.reliability.run import main as reliability

        return reliability(argv[1:])
    if argv and argv[0] == "compare":
        from eval.compare import main as compare

        return compare(argv[1:])
    if argv and argv[0] == "reproduce":
        from eval.reproduce import main as reproduce

        return reproduce(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.handler(args)
    except ClarionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

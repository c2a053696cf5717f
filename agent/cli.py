"""`python -m agent`: ask Clarion from the terminal (ask, chat, sample)."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from agent.cli_config import add_agent_arguments, load_config
from agent.cli_perspectives import add_perspectives_command
from agent.errors import ClarionError
from agent.files import private_umask
from agent.policy import Move

DESCRIPTION = """Clarion: a chat agent that measures its own uncertainty and then answers,
hedges, asks a clarifying question, or shows perspectives.

examples:
  python -m agent ask "What is the capital of France?"
  python -m agent ask "Is it better to rent or buy?" --json
  python -m agent ask "1" --thread THREAD_ID        # answer a clarifying question
  python -m agent ask "Hi" --base-url http://127.0.0.1:8000/v1   # a vLLM / llama.cpp server
  python -m agent ask "Hi" --db postgresql://clarion@127.0.0.1:5432/clarion
  python -m agent ask "Should euthanasia be legal?" --context health
  python -m agent chat
  python -m agent sample "Hi" --samples 8           # raw samples, no agent (debugging)
  python -m agent perspectives review               # proposed perspectives (operator)
"""

BADGES: dict[Move, str] = {
    "answer": "ANSWER",
    "hedge": "HEDGE (unsure)",
    "clarify": "CLARIFY",
    "perspectives": "PERSPECTIVES",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m agent",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    ask = commands.add_parser(
        "ask",
        help="one turn of the agent",
        description="Run one turn: answer, hedge, clarify or perspectives.",
    )
    ask.add_argument("message", help="the user's message (or the reply to a clarify)")
    ask.add_argument("--json", action="store_true", help="print the Reply as one JSON object")
    ask.add_argument("--thread", metavar="ID", help="continue this conversation")
    add_agent_arguments(ask)
    ask.set_defaults(handler=run_ask)

    chat = commands.add_parser(
        "chat",
        help="interactive terminal chat",
        description="Chat in the terminal; numbers pick clarify options.",
    )
    chat.add_argument("--thread", metavar="ID", help="continue this conversation")
    add_agent_arguments(chat)
    chat.set_defaults(handler=run_chat)

    sample = commands.add_parser(
        "sample",
        help="raw greedy answer + samples (debugging)",
        description="Greedy answer and raw samples, no agent.",
    )
    sample.add_argument("message")
    sample.add_argument("--json", action="store_true")
    add_agent_arguments(sample)
    sample.set_defaults(handler=run_sample)
    add_perspectives_command(commands)
    return parser


def run_ask(args: argparse.Namespace) -> int:
    from agent.api import Agent
    from agent.inputs import validate_message

    validate_message(args.message)  # before anything is loaded or opened
    agent = Agent(load_config(args))
    if args.thread:
        check_thread(agent, args.thread)
    reply = agent.chat(args.message, args.thread)
    if args.json:
        print(json.dumps(reply.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_reply(reply))
        if reply.kind == "clarify":
            print(
                f'\nreply with: python -m agent ask "<number or your words>" '
                f"--thread {reply.thread_id}"
            )
    return 0


def check_thread(agent, thread_id: str) -> None:
    """--thread must name a stored conversation: a typo should not start a new one."""
    from agent.errors import ThreadError

    if not agent.history(thread_id) and agent.pending(thread_id) is None:
        raise ThreadError(f"There is no conversation with id {thread_id} in {agent.database}.")


def format_reply(reply) -> str:
    lines = [f"[{BADGES[reply.kind]}]", reply.text]
    if reply.kind == "clarify" and reply.options and "1. " not in reply.text:
        lines += [f"  {i}. {o}" for i, o in enumerate(reply.options, 1)]
    if reply.confidence is not None and reply.uncertainty and not reply.uncertainty.n_samples:
        lines.append(f"confidence: {reply.confidence:.0%} (greedy answer's mean token probability)")
    elif reply.confidence is not None:
        lines.append(f"confidence: {reply.confidence:.0%} of samples share this meaning")
    lines.append(f"why: {reply.route_reason}")
    if reply.uncertainty is not None:
        from uncertainty.judged import sampled_value

        parts = []
        for c in reply.uncertainty.components():
            part = f"{c.name} {c.value:.2f} {c.unit} ({c.estimator}"
            sampled = sampled_value(c)
            if c.estimator != "sampled":
                part += f"; sampled {sampled:.2f} nats" if sampled is not None else "; not sampled"
            judge = c.evidence.get("judge") or {}
            if "in_thread" in judge:  # a follow-up, read alone and in its thread (min)
                part += f"; alone {judge['alone']:.2f}, in its thread {judge['in_thread']:.2f}"
            parts.append(part + ")")
        lines.append("uncertainty: " + " | ".join(parts))
    lines.append(f"thread: {reply.thread_id}  ({reply.seconds:.1f} s, context {reply.context})")
    return "\n".join(lines)


def run_chat(args: argparse.Namespace) -> int:
    from agent.api import Agent

    agent = Agent(load_config(args))
    if args.thread:
        check_thread(agent, args.thread)
    thread = args.thread or agent.new_thread_id()
    print(
        "Clarion chat. /new starts a new conversation, /quit (or Ctrl-D) leaves. "
        "Answer a clarifying question with an option's number or your own words."
    )
    while True:
        try:
            message = input("\nyou> ")
        except EOFError:
            print()
            return 0
        if message.strip() in ("/quit", "/exit"):
            return 0
        if message.strip() == "/new":
            thread = agent.new_thread_id()
            print("(new conversation)")
            continue
        if not message.strip():
            continue
        try:
            reply = agent.chat(message, thread)
        except ClarionError as exc:
            print(f"error: {exc}")
            continue
        print("\n" + format_reply(reply))


def run_sample(args: argparse.Namespace) -> int:
    """The foundation's raw view: greedy answer and N samples with log-probs."""
    from agent.context import load_backend_for
    from agent.inputs import validate_message
    from agent.llm.base import SamplingParams

    message = validate_message(args.message)  # the same checks as a turn, before loading
    config = load_config(args)
    backend = load_backend_for(config)
    messages = [{"role": "user", "content": message}]
    params = SamplingParams(
        n=config.samples,
        temperature=config.temperature,
        top_p=config.top_p,
        max_new_tokens=config.max_new_tokens,
        seed=config.seed,
    )
    greedy = backend.greedy(messages, max_new_tokens=config.max_new_tokens)
    samples = backend.sample(messages, params)
    if args.json:
        print(
            json.dumps(
                {
                    "model": backend.name,
                    "greedy": greedy.text,
                    "samples": [
                        {
                            "text": s.text,
                            "mean_logprob": round(s.mean_logprob, 4),
                            "tokens": len(s.token_ids),
                            "finish_reason": s.finish_reason,
                        }
                        for s in samples
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(greedy.text)
        print(f"\n{len(samples)} samples (mean token log-prob):")
        for s in samples:
            print(f"  [{s.mean_logprob:6.3f}] {s.text}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    private_umask()  # the conversation store and the key: readable by this account only
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.handler(args)
    except ClarionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # invalid parameter values
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

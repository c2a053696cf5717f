"""`python -m agent`: ask Clarion from the terminal."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from agent.errors import ClarionError
from agent.llm.base import SamplingParams
from agent.llm.loading import QUANTIZE_CHOICES

DESCRIPTION = """Clarion: a chat agent that measures its own uncertainty.

examples:
  python -m agent ask "What is the capital of France?"
  python -m agent ask "What is the capital of France?" --samples 8 --json
  python -m agent ask "Hi" --model HuggingFaceTB/SmolLM2-360M-Instruct --quantize 4bit
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m agent", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer one message", description="Answer one message.")
    ask.add_argument("message", help="the user's message")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    add_model_arguments(ask)
    ask.set_defaults(handler=run_ask)
    return parser


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = SamplingParams()
    parser.add_argument("--model", default=None, metavar="ID|PATH|GGUF",
                        help="Hugging Face id, local folder or .gguf file (default: embedded "
                             "SmolLM2-135M-Instruct)")
    parser.add_argument("--quantize", choices=QUANTIZE_CHOICES, default="none",
                        help="bitsandbytes quantization (default: none)")
    parser.add_argument("--samples", type=int, default=defaults.n, metavar="N",
                        help=f"answers to sample (default: {defaults.n})")
    parser.add_argument("--temperature", type=float, default=defaults.temperature,
                        help=f"sampling temperature (default: {defaults.temperature})")
    parser.add_argument("--max-new-tokens", type=int, default=defaults.max_new_tokens,
                        help=f"answer length budget (default: {defaults.max_new_tokens})")
    parser.add_argument("--seed", type=int, default=None, help="random seed for reproducible samples")


def run_ask(args: argparse.Namespace) -> int:
    from agent.llm import load_backend

    backend = load_backend(args.model, quantize=args.quantize)
    messages = [{"role": "user", "content": args.message}]
    params = SamplingParams(n=args.samples, temperature=args.temperature,
                            max_new_tokens=args.max_new_tokens, seed=args.seed)
    greedy = backend.greedy(messages, max_new_tokens=args.max_new_tokens)
    samples = backend.sample(messages, params)
    if args.json:
        print(json.dumps({
            "model": backend.name,
            "greedy": greedy.text,
            "samples": [{"text": s.text, "mean_logprob": round(s.mean_logprob, 4),
                         "tokens": len(s.token_ids), "finish_reason": s.finish_reason}
                        for s in samples],
        }, ensure_ascii=False, indent=2))
    else:
        print(greedy.text)
        print(f"\n{len(samples)} samples (mean token log-prob):")
        for s in samples:
            print(f"  [{s.mean_logprob:6.3f}] {s.text}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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

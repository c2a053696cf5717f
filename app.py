"""Clarion's chat UI (Gradio): a thin layer over the agent."""

from __future__ import annotations

import argparse
import logging

import gradio as gr

from agent.errors import ClarionError
from agent.llm import load_backend
from agent.llm.loading import QUANTIZE_CHOICES

log = logging.getLogger("clarion.app")


def build_app(backend) -> gr.Blocks:
    def respond(message: str, history: list[dict]) -> str:
        messages = [{"role": m["role"], "content": m["content"]} for m in history
                    if isinstance(m.get("content"), str)]
        messages.append({"role": "user", "content": message})
        try:
            return backend.greedy(messages, max_new_tokens=128).text
        except ClarionError as exc:
            return f"⚠️ {exc}"

    with gr.Blocks(title="Clarion") as demo:
        gr.Markdown(f"# Clarion\nModel: {backend.name}")
        gr.ChatInterface(respond)
    return demo


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Start Clarion's chat UI.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    parser.add_argument("--model", default=None, help="model id, folder or .gguf (default: embedded)")
    parser.add_argument("--quantize", choices=QUANTIZE_CHOICES, default="none")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    backend = load_backend(args.model, quantize=args.quantize)
    build_app(backend).queue(default_concurrency_limit=1).launch(
        server_name=args.host, server_port=args.port)


if __name__ == "__main__":
    main()

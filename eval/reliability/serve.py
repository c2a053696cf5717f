"""`python -m eval.reliability.serve DELAY_S [app.py flags]`: app.py's own main() with the
scripted model (eval.reliability.world) in place of the LLM; everything else is real."""

from __future__ import annotations

import sys

import agent.llm
from eval.reliability.world import ScriptedBackend


def main() -> None:
    delay = float(sys.argv[1])
    agent.llm.load_backend = lambda *args, **kwargs: ScriptedBackend(delay)
    import app

    app.main(sys.argv[2:])


if __name__ == "__main__":
    main()

"""One Clarion process for the scale-out test: an Agent, its participation store and the
UI's token signer on the database and model server it is given, driven by JSON lines.

python tests/agent_worker.py CONFIG.yaml   then one request per line on stdin:
  {"op": "chat", "message": "...", "thread": null}  -> the Reply as JSON
  {"op": "vote", "thread": "...", "perspective": "care"}
  {"op": "tallies"}      {"op": "issue", "thread": "..."}      {"op": "verify", "token": "..."}
Each answer is one JSON line: {"ok": ..., "pid": ...} or {"error": "..."}.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import app  # noqa: E402
from agent import Agent, AgentConfig  # noqa: E402
from agent.errors import ClarionError  # noqa: E402
from agent.participation import ParticipationStore  # noqa: E402


def main(config_file: str) -> None:
    agent = Agent(AgentConfig.load(config_file))
    votes = ParticipationStore(agent.database)
    tokens = app.ThreadTokens(app.signing_key(agent.database))
    handlers = {
        "chat": lambda r: agent.chat(r["message"], r.get("thread")).to_dict(),
        "shown": lambda r: votes.shown(r["thread"], r["perspectives"]),
        "vote": lambda r: votes.record(r["thread"], r["perspective"]),
        "tallies": lambda r: votes.tallies(),
        "issue": lambda r: tokens.issue(r["thread"]),
        "verify": lambda r: tokens.verify(r["token"]),
        "history": lambda r: agent.history(r["thread"]),
    }
    print(json.dumps({"ok": "ready", "pid": os.getpid()}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = {"ok": handlers[request["op"]](request), "pid": os.getpid()}
        except ClarionError as exc:
            answer = {"error": str(exc), "pid": os.getpid()}
        print(json.dumps(answer, ensure_ascii=False, default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])

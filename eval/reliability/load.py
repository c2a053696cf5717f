"""Load: N people at once, each a session of M turns, on one server.

Cross-talk is any sign that a person got someone else's conversation: a reply on another
thread than the person's own, a reply that answers another person's question, or a
stored history holding another person's message.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from agent import Agent, AgentConfig
from eval.reliability.client import Person
from eval.reliability.server import AppProcess

QUESTIONS = (
    "What is the capital of France?",
    "How many legs does a spider have?",
    "What is the boiling point of water at sea level?",
    "Who wrote Romeo and Juliet?",
    "What is the largest planet in the solar system?",
)
TAG = re.compile(r"\[s(\d+)-t(\d+)\]")


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 3)


def run_load(
    server: AppProcess, sessions: int, turns: int, time_limit_s: float, echo: bool
) -> dict[str, Any]:
    """`echo`: the model repeats the question (the scripted world), so a reply's text shows
    whose question it answered."""
    deadline = time.monotonic() + time_limit_s
    errors: list[str] = []
    cross_talk: list[str] = []
    people = [Person(server.url) for _ in range(sessions)]
    threads: dict[int, str] = {}
    lock = threading.Lock()
    done = [0] * sessions

    def session(i: int) -> None:
        person = people[i]
        for t in range(turns):
            if time.monotonic() > deadline:
                with lock:
                    errors.append(f"s{i}: stopped at turn {t}, past the time limit")
                return
            question = f"{QUESTIONS[(i + t) % len(QUESTIONS)]} [s{i}-t{t}]"
            try:
                reply = person.ask(question)
            except Exception as exc:  # noqa: BLE001 -- counted, reported
                with lock:
                    errors.append(f"s{i}-t{t}: {type(exc).__name__}: {exc}"[:300])
                continue
            with lock:
                if "error" in reply:
                    errors.append(f"s{i}-t{t}: {reply['error']}"[:300])
                    continue
                done[i] += 1
                own = threads.setdefault(i, reply["thread_id"])
                if reply["thread_id"] != own:
                    cross_talk.append(f"s{i}-t{t}: reply on thread {reply['thread_id']}")
                # a clarifying question may quote no tag, its answer this person's earlier ones
                others = {
                    m.group(0)
                    for m in TAG.finditer(reply.get("text") or "")
                    if int(m.group(1)) != i
                }
                if echo and others:
                    cross_talk.append(f"s{i}-t{t}: reply answers {sorted(others)}")

    started = time.perf_counter()
    with ThreadPoolExecutor(sessions) as pool:
        list(pool.map(session, range(sessions)))
    wall = time.perf_counter() - started
    store = Agent(AgentConfig(db_path=server.db, data_dir=server.data_dir))
    for i, thread in threads.items():
        for message in store.history(thread):
            if message.get("role") != "user":
                continue
            found = TAG.search(message.get("content") or "")
            if found is None or int(found.group(1)) != i:
                cross_talk.append(f"s{i}: stored history holds {message.get('content')!r:.80}")
    store.close()
    latencies = [x for p in people for x in p.latencies]
    waits = [x for p in people for x in p.waits]
    for person in people:
        person.close()
    return {
        "sessions": sessions,
        "turns": sum(done),
        "turns_tried": sessions * turns,
        "errors": len(errors),
        "cross_talk": len(cross_talk),
        "p50_s": percentile(latencies, 50),
        "p95_s": percentile(latencies, 95),
        "queue_wait_p50_s": percentile(waits, 50),
        "queue_wait_p95_s": percentile(waits, 95),
        "wall_s": round(wall, 1),
        "examples": (errors + cross_talk)[:5],
    }

"""Faults: the server killed (-9) mid-turn and while a clarify waits, a client that
disconnects mid-turn, the database locked by another process.

Ground truth is the store itself (read here as the operator would, after the fact): a
completed turn is one whose reply the person received; it is lost if the restarted
server's store no longer holds it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from gradio_client.client import Job

from agent import Agent, AgentConfig
from eval.reliability.client import Person
from eval.reliability.server import AppProcess
from eval.reliability.world import AMBIGUOUS, SLOW


def _store(server: AppProcess) -> Agent:
    return Agent(AgentConfig(db_path=server.db, data_dir=server.data_dir))


def _stored_turns(server: AppProcess, thread: str) -> int:
    """Replies stored in the thread's history (one per completed turn)."""
    store = _store(server)
    try:
        return sum(1 for m in store.history(thread) if m.get("role") == "assistant")
    finally:
        store.close()


def _pending(server: AppProcess, thread: str) -> bool:
    store = _store(server)
    try:
        return store.pending(thread) is not None
    finally:
        store.close()


def _outcome(job: Job, timeout: float = 20) -> str:
    """What the person whose turn was cut off saw from the client library."""
    try:
        result = job.result(timeout=timeout)
    except Exception as exc:  # noqa: BLE001 -- that is the observation
        return f"{type(exc).__name__}: {exc}"[:200]
    return f"a reply: {str(result)[:160]}"


def kill_mid_turn_while_a_clarify_waits(server: AppProcess, delay_s: float) -> dict[str, Any]:
    """Person A has two answered turns and a third under way; person B's thread waits on
    a clarifying question. kill -9, restart: A keeps both answered turns and is told the
    third was cut off; B's question is still there and answerable."""
    a, b = Person(server.url), Person(server.url)
    completed = sum(
        "error" not in a.ask(f"What is the capital of France? (turn {i})") for i in range(2)
    )
    thread_a = a.token.rpartition(".")[0]
    asked = b.ask(f"{AMBIGUOUS}?")
    clarified = asked.get("kind") == "clarify"
    job = a.submit(f"How many legs does a spider have? {SLOW}")
    time.sleep(delay_s * 1.5)  # the turn is under way: its first model call has returned
    server.kill()
    saw = _outcome(job)
    a.close()
    b.close()
    server.start()
    stored = _stored_turns(server, thread_a)
    waiting = clarified and _pending(server, asked["thread_id"])
    a_again, b_again = Person(server.url, token=a.token), Person(server.url, token=b.token)
    back = a_again.ask("Are you back?")
    answer = b_again.ask(asked["options"][0]) if clarified else {"error": "no clarify"}
    a_again.close()
    b_again.close()
    return {
        "completed": completed,
        "lost": max(0, completed - stored) + int(clarified and not waiting),
        "cut_off_user_saw": saw,
        "after_restart": back.get("notice") or back.get("error") or "(no notice)",
        "same_thread_after_restart": back.get("thread_id") == thread_a,
        "clarified": clarified,
        "clarify_waiting_after_restart": waiting,
        "clarify_answered_after_restart": waiting and "error" not in answer,
    }


def kill_while_a_clarify_answer_runs(server: AppProcess, delay_s: float) -> dict[str, Any]:
    """The server dies while it works on the answer to a clarifying question: after the
    restart the question is still open and answerable (or, if that turn ended before
    the kill, its reply is stored)."""
    person = Person(server.url)
    asked = person.ask(f"{AMBIGUOUS} {SLOW}?")
    clarified = asked.get("kind") == "clarify"
    thread = str(asked.get("thread_id"))
    saw, answered_before_kill = "(no clarify)", False
    if clarified:
        job = person.submit(asked["options"][0])
        time.sleep(delay_s * 1.5)
        server.kill()
        saw = _outcome(job)
        answered_before_kill = saw.startswith("a reply")
    else:
        server.kill()
    person.close()
    server.start()
    waiting = clarified and _pending(server, thread)
    if answered_before_kill:  # a completed turn: its reply must be in the store
        lost = int(_stored_turns(server, thread) < 2)
        answered = False
    else:
        lost = int(clarified and not waiting)
        again = Person(server.url, token=person.token)
        answered = waiting and "error" not in again.ask(asked["options"][0])
        again.close()
    return {
        "clarified": clarified,
        "answered_before_kill": answered_before_kill,
        "clarify_waiting_after_restart": waiting,
        "clarify_answered_after_restart": answered,
        "lost": lost,
        "cut_off_user_saw": saw,
    }


def disconnect_mid_turn(server: AppProcess, delay_s: float) -> dict[str, Any]:
    """A client goes away mid-turn: the turn still completes and is stored, the turn lock
    is free for the next person."""
    person = Person(server.url)
    person.ask("What is the capital of France?")
    job = person.submit(f"Who wrote Romeo and Juliet? {SLOW}")
    time.sleep(delay_s * 1.5)  # the turn is under way
    thread = person.token.rpartition(".")[0] if person.token else None
    before = 2  # the first turn: question and reply
    job.cancel()
    person.close()
    other = Person(server.url)
    started = time.perf_counter()
    reply = other.ask("How many legs does a spider have?")
    other.close()
    deadline = time.monotonic() + 10 * delay_s + 20
    completed = False
    while thread and time.monotonic() < deadline:
        store = _store(server)
        try:
            completed = len(store.history(thread)) >= before + 2
        finally:
            store.close()
        if completed:
            break
        time.sleep(0.5)
    return {
        "turn_completed_after_disconnect": completed,
        "next_person_served": "error" not in reply,
        "next_person_s": round(time.perf_counter() - started, 2),
    }


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def database_locked(server: AppProcess, hold_s: float) -> dict[str, Any]:
    """Another process holds an exclusive lock on the database for `hold_s` seconds while
    a person sends a message; then they send it again."""
    person = Person(server.url)
    first = person.ask("What is the capital of France?")
    thread = first.get("thread_id")
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(server.db), str(hold_s)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert locker.stdout is not None
    locker.stdout.readline()  # "locked"
    try:
        during = person.ask("How many legs does a spider have?")
    except Exception as exc:  # noqa: BLE001
        during = {"error": f"{type(exc).__name__}: {exc}"}
    locker.wait(hold_s + 30)
    after = person.ask("How many legs does a spider have? (again)")
    person.close()
    saw = during.get("error") or f"a {during.get('kind')} reply (the write waited for the lock)"
    stored = _stored_turns(server, thread) if thread else 0
    expected = 1 + ("error" not in during) + ("error" not in after)
    return {
        "user_saw": saw[:200],
        "plain": "Traceback" not in saw and "sqlite" not in saw.lower(),
        "recovered": "error" not in after,
        "lost": max(0, expected - stored),
    }


def run_faults(server: AppProcess, delay_s: float) -> dict[str, Any]:
    """Needs the scripted model (SLOW messages take delay_s per model call)."""
    first = kill_mid_turn_while_a_clarify_waits(server, delay_s)
    second = kill_while_a_clarify_answer_runs(server, delay_s)
    gone = disconnect_mid_turn(server, delay_s)
    locked = database_locked(server, hold_s=8.0)
    waits = [first["clarified"], second["clarified"] and not second["answered_before_kill"]]
    return {
        "kills": server.kills,
        "completed_turns_lost": first["lost"] + second["lost"] + locked["lost"],
        "clarify_waits": sum(waits),
        "clarify_answerable_after_restart": int(first["clarify_answered_after_restart"])
        + int(second["clarify_answered_after_restart"]),
        "cut_off_user_saw": first["cut_off_user_saw"],
        "cut_off_user_told_after_restart": first["after_restart"],
        "kill_mid_turn_while_a_clarify_waits": first,
        "kill_while_a_clarify_answer_runs": second,
        "client_disconnect": gone,
        "database_locked": locked,
    }

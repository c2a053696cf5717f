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

from agent import Agent, AgentConfig
from eval.reliability.client import Person
from eval.reliability.world import AMBIGUOUS


def _store(server) -> Agent:
    return Agent(AgentConfig(db_path=server.db, data_dir=server.data_dir))


def _stored_turns(server, thread: str) -> int:
    """Replies stored in the thread's history (one per completed turn)."""
    store = _store(server)
    try:
        return sum(1 for m in store.history(thread) if m.get("role") == "assistant")
    finally:
        store.close()


def _pending(server, thread: str) -> bool:
    store = _store(server)
    try:
        return store.pending(thread) is not None
    finally:
        store.close()


def _outcome(job, timeout: float = 20) -> str:
    """What the person whose turn was cut off saw from the client library."""
    try:
        result = job.result(timeout=timeout)
    except Exception as exc:  # noqa: BLE001 -- that is the observation
        return f"{type(exc).__name__}: {exc}"[:200]
    return f"a reply: {str(result)[:160]}"


def kill_mid_turn(server, turn_s: float) -> dict:
    person = Person(server.url)
    completed = []
    for i in range(2):
        reply = person.ask(f"What is the capital of France? (turn {i})")
        if "error" not in reply:
            completed.append(reply["thread_id"])
    thread = completed[-1] if completed else None
    job = person.submit("How many legs does a spider have? (the turn that is cut off)")
    time.sleep(turn_s / 2)  # the turn is under way
    server.kill()
    saw = _outcome(job)
    person.close()
    server.start()
    stored = _stored_turns(server, thread) if thread else 0
    after = Person(server.url, token=person.token)
    reply = after.ask("Are you back?")
    after.close()
    return {
        "completed": len(completed),
        "lost": max(0, len(completed) - stored),
        "cut_off_user_saw": saw,
        "after_restart": reply.get("notice") or reply.get("error") or "(no notice)",
        "same_thread_after_restart": reply.get("thread_id") == thread,
    }


def kill_during_clarify(server, turn_s: float, mid_resume: bool) -> dict:
    """A thread waits on a clarifying question; the server dies (idle, or while the
    person's answer is being processed); after the restart the question is answerable,
    or, if the answer's turn had ended before the kill, that reply is stored."""
    person = Person(server.url)
    first = person.ask(f"{AMBIGUOUS}?")
    asked = first.get("kind") == "clarify"
    thread = first.get("thread_id")
    saw, answered_before_kill = "(killed while idle)", False
    if mid_resume and asked:
        job = person.submit(first["options"][0])
        time.sleep(turn_s / 2)  # the answer's turn is under way
        server.kill()
        saw = _outcome(job)
        answered_before_kill = saw.startswith("a reply")
    else:
        server.kill()
    person.close()
    server.start()
    waiting = bool(thread) and _pending(server, thread)
    if answered_before_kill:  # a completed turn: its reply must be in the store
        stored = _stored_turns(server, thread)
        return {
            "clarified": asked,
            "answered_before_kill": True,
            "waiting_after_restart": waiting,
            "answered_after_restart": False,
            "lost": int(stored < 2),
            "cut_off_user_saw": saw,
        }
    after = Person(server.url, token=person.token)
    reply = after.ask(first["options"][0] if asked else "money")
    after.close()
    return {
        "clarified": asked,
        "waiting_after_restart": waiting,
        "answered_after_restart": bool(asked and waiting and "error" not in reply),
        "lost": int(asked and not waiting),
        "cut_off_user_saw": saw,
        "after_restart": reply.get("notice")
        or reply.get("error")
        or f"a {reply.get('kind')} reply",
    }


def disconnect_mid_turn(server, turn_s: float) -> dict:
    """A client goes away mid-turn: the turn still completes and is stored, the turn lock
    is free for the next person."""
    person = Person(server.url)
    person.ask("What is the capital of France?")
    job = person.submit("Who wrote Romeo and Juliet? (the client leaves)")
    time.sleep(turn_s / 2)  # the turn is under way
    thread = person.token.rpartition(".")[0] if person.token else None
    before = 2  # the first turn: question and reply
    job.cancel()
    person.close()
    other = Person(server.url)
    started = time.perf_counter()
    reply = other.ask("How many legs does a spider have?")
    other.close()
    deadline = time.monotonic() + 10 * turn_s + 10
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


def database_locked(server, hold_s: float) -> dict:
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


def run_faults(server, turn_s: float) -> dict:
    mid = kill_mid_turn(server, turn_s)
    idle = kill_during_clarify(server, turn_s, mid_resume=False)
    resume = kill_during_clarify(server, turn_s, mid_resume=True)
    gone = disconnect_mid_turn(server, turn_s)
    locked = database_locked(server, hold_s=8.0)
    clarify = [c for c in (idle, resume) if not c.get("answered_before_kill")]
    return {
        "kills": server.kills,
        "completed_turns_lost": mid["lost"] + idle["lost"] + resume["lost"] + locked["lost"],
        "clarify_waits": sum(c["clarified"] for c in clarify),
        "clarify_answerable_after_restart": sum(c["answered_after_restart"] for c in clarify),
        "cut_off_user_saw": mid["cut_off_user_saw"],
        "cut_off_user_told_after_restart": mid["after_restart"],
        "kill_mid_turn": mid,
        "kill_while_clarify_waits": idle,
        "kill_while_clarify_answer_runs": resume,
        "client_disconnect": gone,
        "database_locked": locked,
    }

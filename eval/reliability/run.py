"""`python -m eval reliability`: the command line and the one summary object."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.reliability.server import AppProcess

DESCRIPTION = """Serve Clarion to many people and measure it: load, faults, bad input, attacks.

The real app runs as a subprocess on 127.0.0.1 (a free port), on a fresh data folder
(removed at the end; kept, with the servers' logs, when a bar is missed).
Faults, fuzz and attacks run it over a scripted model (eval/reliability/world.py: the
real Agent, graph, store and embedder, a deterministic LLM); load runs it over --model.

examples:
  python -m eval reliability --quick              # CI: small counts, scripted model
  python -m eval reliability --json               # the full run, one JSON summary
  python -m eval reliability --only fuzz --fuzz 3000
"""
PARTS = ("load", "faults", "fuzz", "attacks")
DELAY_S = 1.0  # per model call of a SLOW turn on the scripted model


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m eval reliability",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="small counts for CI (< 3 minutes)")
    p.add_argument("--json", action="store_true", help="print one JSON summary object")
    p.add_argument("--only", choices=PARTS, action="append", help="run only this part")
    p.add_argument(
        "--model",
        choices=("embedded", "scripted"),
        default=None,
        help="model the load test serves (default: embedded, scripted with --quick)",
    )
    p.add_argument("--sessions", type=int, default=8, help="concurrent people (default: 8)")
    p.add_argument("--turns", type=int, default=None, help="turns each (default: 10; 3 quick)")
    p.add_argument(
        "--fuzz", type=int, default=None, metavar="N", help="inputs per fuzz target (default 250)"
    )
    p.add_argument("--out", type=Path, default=None, help="also write summary.json here")
    p.add_argument("--time-limit", type=float, default=None, metavar="S", help="load time limit")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    quick = args.quick
    parts = args.only or list(PARTS)
    model = args.model or ("scripted" if quick else "embedded")
    turns = args.turns or (3 if quick else 10)
    sessions = args.sessions if not quick or args.sessions != 8 else 4
    per_target = args.fuzz or (12 if quick else 250)
    folder = Path(tempfile.mkdtemp(prefix="clarion-reliability-"))
    started = time.perf_counter()
    summary: dict[str, Any] = {"quick": quick, "folder": str(folder)}
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print

    # One app over the scripted model serves faults, attacks, the API fuzz and a scripted
    # load run (its SLOW messages take DELAY_S per model call); restarts keep its data.
    profile = ("--context", str(Path(__file__).with_name("profile.yaml")))
    scripted = AppProcess.scripted(folder / "scripted", DELAY_S, extra=profile)
    scripted.start()
    try:
        if "faults" in parts:
            say("faults: kill -9 mid-turn and while clarifies wait, disconnect, locked db ...")
            from eval.reliability.faults import run_faults

            summary["faults"] = timed(run_faults, scripted, DELAY_S)
            say("  ", json.dumps(summary["faults"]))
        if "attacks" in parts:
            say("attacks ...")
            from eval.reliability.attacks import run_attacks

            tried = timed(lambda: {"cases": run_attacks(scripted)})
            cases = tried["cases"]
            summary["attacks"] = {
                "tried": len(cases),
                "refused": sum(a["refused"] for a in cases),
                **tried,
            }
            for case in cases:
                say(f"   {'refused' if case['refused'] else 'NOT REFUSED'}: {case['name']}")
        if "fuzz" in parts:
            say(f"fuzz: {per_target} inputs per entry point ...")
            summary["fuzz"] = timed(run_fuzz, folder / "fuzz", per_target, scripted)
            say("  ", json.dumps({k: v for k, v in summary["fuzz"].items() if k != "examples"}))
        if "load" in parts and model == "scripted":
            summary["load"] = load(scripted, model, sessions, turns, args.time_limit or 120)
        summary["scripted_server_tracebacks"] = scripted.tracebacks()
    finally:
        scripted.stop()
    if "load" in parts and model == "embedded":
        extra = ("--samples", "2", "--readings", "1", "--timeout", "600")
        server = AppProcess(folder / "embedded", extra=extra)
        server.start()
        try:
            summary["load"] = load(server, model, sessions, turns, args.time_limit or 1800)
        finally:
            server.stop()
    if "load" in summary:
        say("load:", json.dumps(summary["load"]))
    summary["wall_s"] = round(time.perf_counter() - started, 1)
    ok = passed(summary)
    summary["folder_kept"] = not ok  # the servers' logs and data, for a failed run only
    if ok:
        shutil.rmtree(folder, ignore_errors=True)
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "summary.json").write_text(text + "\n")
    if args.json:
        print(text)
    else:
        say(f"done in {summary['wall_s']} s; summary in JSON with --json")
    return 0 if ok else 1


def timed(fn: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """fn's dict with the seconds it took."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return {**result, "seconds": round(time.perf_counter() - started, 1)}


def load(
    server: AppProcess, model: str, sessions: int, turns: int, limit_s: float
) -> dict[str, Any]:
    from eval.reliability.load import run_load

    print(f"load: {sessions} people x {turns} turns on the {model} model ...", file=sys.stderr)
    result = timed(run_load, server, sessions, turns, limit_s, echo=model == "scripted")
    return {"model": model, **result, "server_tracebacks": server.tracebacks()}


def run_fuzz(folder: Path, per_target: int, server: AppProcess) -> dict[str, Any]:
    """Every entry point in process, then the API over HTTP."""
    from agent import Agent, AgentConfig
    from agent.context import Resources
    from agent.participation import ParticipationStore
    from agent.sessions import ThreadTokens, signing_key
    from eval.reliability import fuzz, fuzz_front
    from eval.reliability.world import ScriptedBackend
    from ui import ClarionUI, build_app
    from uncertainty import Embedder

    folder.mkdir(parents=True, exist_ok=True)
    embedder = Embedder()
    backend = ScriptedBackend()
    config = AgentConfig(
        db_path=folder / "clarion.sqlite",
        data_dir=folder / "data",
        context=str(Path(__file__).with_name("profile.yaml")),  # the scripted world asks
    )
    agent = Agent(config, backend=backend, embedder=embedder)
    tally = fuzz.Tally()
    fuzz.fuzz_agent(tally, agent, per_target)
    fuzz.fuzz_studio(tally, Resources(config, backend=backend, embedder=embedder), per_target)
    ui = ClarionUI(
        agent,
        ParticipationStore(agent.database),
        ThreadTokens(signing_key(agent.database)),
        folder / "data" / "perspectives.yaml",
    )
    build_app(ui)
    fuzz_front.fuzz_ui(tally, ui, per_target)
    fuzz.fuzz_tokens(tally, per_target)
    fuzz_front.fuzz_cli(tally, folder / "cli", backend, embedder, max(1, per_target // 2))
    agent.close()
    fuzz_front.fuzz_http(tally, server, per_target)
    return tally.summary()


def passed(summary: dict[str, Any]) -> bool:
    load, faults, fz, attacks = (summary.get(k) for k in PARTS)
    return all(
        [
            not load or (load["errors"] == 0 and load["cross_talk"] == 0),
            not faults
            or (
                faults["completed_turns_lost"] == 0
                and faults["clarify_answerable_after_restart"] == faults["clarify_waits"]
            ),
            not fz or (fz["crashes"] == 0 and fz["tracebacks_shown"] == 0),
            not attacks or attacks["tried"] == attacks["refused"],
        ]
    )

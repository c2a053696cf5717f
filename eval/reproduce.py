"""`python -m eval reproduce`: every figure of the README's "Measured on the default
model" table, regenerated from the commands that produce it.

Each entry of RUNS is one `python -m eval ...` command with its fixed limits. They run
one after another, each in a fresh process, into OUT/<name>/ (results.json, report.md,
plots; the bench's JSON as bench.json). The headline table is then read back from those
files (the cells named in HEADLINES, never typed in by hand) and written to OUT/README.md
and, with --readme, between the `<!-- figures -->` markers of the project README.

    python -m eval reproduce --out eval/results/DATE-smollm2-135m   # everything (hours)
    python -m eval reproduce --out DIR --only pluralism selective  # some runs
    python -m eval reproduce --out DIR --table-only --readme       # rebuild the table

The README's table is now built from eval/results/2026-12-01-judges2 (its NOTES.md says
which runs were rerun there and which were copied).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.paths import DEFAULT_DATA_DIR, REPO_ROOT

ROOT = REPO_ROOT
README = ROOT / "README.md"
BEGIN, END = "<!-- figures:begin -->", "<!-- figures:end -->"

RUNS: dict[str, tuple[str, ...]] = {  # name: arguments of `python -m eval`
    "dialogues": ("run", "--suite", "dialogues"),
    "dialogues-full-mode": ("run", "--suite", "dialogues", "--no-adaptive", "--no-baselines"),
    "clarification": ("run", "--suite", "clarification", "--limit", "40"),
    "clarification-full-mode": (
        *("run", "--suite", "clarification", "--limit", "40"),
        *("--no-adaptive", "--no-baselines"),
    ),
    "pluralism": ("run", "--suite", "pluralism", "--limit", "30"),
    "selective": ("run", "--suite", "selective", "--limit", "60"),
    "selective-full-mode": (
        *("run", "--suite", "selective", "--limit", "60"),
        *("--no-adaptive", "--no-baselines"),
    ),
    "pluralism-full-mode": (
        *("run", "--suite", "pluralism", "--limit", "30"),
        *("--no-adaptive", "--no-baselines"),
    ),
    "clarifying-questions": ("run", "--suite", "clarifying-questions"),
    # the interpreter adapter (eval/results/2026-12-01-interp): readings that survive the
    # interpret step; the sampled ambiguity component without the adapter (beside
    # clarification-full-mode, which uses it where trained)
    "readings": ("run", "--suite", "readings", "--limit", "40", "--no-baselines"),
    "clarification-full-mode-no-interpreter": (
        *("run", "--suite", "clarification", "--limit", "40"),
        *("--no-adaptive", "--no-baselines", "--no-interpreter"),
    ),
    "bench": ("bench", "--turn-repeats", "3"),  # short turns vary: median of 3 per prompt
}


@dataclass(frozen=True)
class Cell:
    """One headline figure: in the first table of run `run` whose title starts with
    `table`, the first row whose label contains `row`, the column starting with `column`."""

    label: str
    run: str
    table: str
    row: str
    column: str


HEADLINES = (
    Cell("dialogues: move accuracy", "dialogues", "Move accuracy", "Clarion", "accuracy"),
    Cell(
        "dialogues, full mode (--no-adaptive): move accuracy",
        "dialogues-full-mode",
        "Move accuracy",
        "Clarion",
        "accuracy",
    ),
    Cell("clarification: F1 of clarify", "clarification", "all:", "Clarion", "F1"),
    Cell("clarification: over-asking", "clarification", "all:", "Clarion", "over-asking"),
    Cell("clarification: AUROC of the clarify signal", "clarification", "all:", "Clarion", "AUROC"),
    *(
        Cell(f"clarification, full mode: {what}", "clarification-full-mode", "all:", "Clarion", col)
        for what, col in (
            ("F1 of clarify", "F1"),
            ("over-asking", "over-asking"),
            ("AUROC of the clarify signal", "AUROC"),
        )
    ),
    Cell(
        "pluralism: perspectives on MoralChoice low ambiguity",
        "pluralism",
        "Rate of the perspectives",
        "MoralChoice low",
        "Clarion",
    ),
    Cell(
        "pluralism: perspectives on MoralChoice high ambiguity",
        "pluralism",
        "Rate of the perspectives",
        "MoralChoice high",
        "Clarion",
    ),
    Cell(
        "pluralism: perspectives on contested GlobalOpinionQA",
        "pluralism",
        "Rate of the perspectives",
        "GlobalOpinionQA",
        "Clarion",
    ),
    Cell(
        "pluralism: perspectives on plain facts",
        "pluralism",
        "Rate of the perspectives",
        "AmbigNQ clear facts",
        "Clarion",
    ),
    Cell(
        "pluralism, full mode: perspectives on MoralChoice low ambiguity",
        "pluralism-full-mode",
        "Rate of the perspectives",
        "MoralChoice low",
        "Clarion",
    ),
    Cell(
        "pluralism, full mode: perspectives on contested GlobalOpinionQA",
        "pluralism-full-mode",
        "Rate of the perspectives",
        "GlobalOpinionQA",
        "Clarion",
    ),
    Cell(
        "selective: AUROC of the hedge signal for a wrong answer",
        "selective",
        "Selective answering",
        "drives hedge",
        "AUROC",
    ),
    Cell(
        "selective: accuracy of Clarion's answer",
        "selective",
        "Selective answering",
        "drives hedge",
        "accuracy (no rejection)",
    ),
    Cell(
        "selective, full mode: AUROC of the hedge signal",
        "selective-full-mode",
        "Selective answering",
        "drives hedge",
        "AUROC",
    ),
    Cell(
        "selective, full mode: accuracy of Clarion's answer",
        "selective-full-mode",
        "Selective answering",
        "drives hedge",
        "accuracy (no rejection)",
    ),
    Cell(
        "clarifying questions: cosine to CLAMBER's gold question",
        "clarifying-questions",
        "similarity to the gold",
        "Clarion",
        "cosine",
    ),
    Cell(
        "clarifying questions: generic baseline, cosine",
        "clarifying-questions",
        "similarity to the gold",
        "generic",
        "cosine",
    ),
)
BENCH_FIGURES = (  # (label, path into bench.json)
    (
        "bench: Clarion turn / plain turn, overall median",
        ("ratios", "clarion_turn_over_plain_turn"),
    ),
    ("bench: clear facts, median", ("ratios", "by_category", "clear")),
    ("bench: tokens/s over llama.cpp", ("ratios", "ours_over_llamacpp")),
    ("bench: same move adaptive vs full", ("quality", "same_move_share")),
)


def command(name: str, out: Path, data: Path, limit: int | None) -> list[str]:
    args = list(RUNS[name])
    if limit is not None and args[0] == "run":
        if "--limit" in args:
            i = args.index("--limit")
            args[i + 1] = str(min(limit, int(args[i + 1])))
        else:
            args += ["--limit", str(limit)]
    if args[0] == "run":
        args += ["--data", str(data), "--timeout", "900", "--quiet", "--out", str(out / name)]
    else:
        args += ["--json"]
    return [sys.executable, "-m", "eval", *args]


def run_one(name: str, out: Path, data: Path, limit: int | None) -> int:
    """Run one command into OUT/NAME; its exit status."""
    argv = command(name, out, data, limit)
    (out / name).mkdir(parents=True, exist_ok=True)
    print(f"[{name}] {shlex.join(argv[1:])}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if RUNS[name][0] == "bench":
        with open(out / name / "bench.json", "w") as sink:
            done = subprocess.run(argv, cwd=ROOT, env=env, stdout=sink)
    else:
        done = subprocess.run(argv, cwd=ROOT, env=env)
    seconds = time.perf_counter() - started
    print(f"[{name}] exited with {done.returncode} after {seconds:.0f} s", file=sys.stderr)
    return done.returncode


def find(results: dict[str, Any], cell: Cell) -> Any:
    for table in results.get("scores", {}).get("tables", []):
        if not str(table.get("title", "")).startswith(cell.table):
            continue
        columns = [str(c) for c in table["columns"]]
        col = next((i for i, c in enumerate(columns) if c.startswith(cell.column)), None)
        for row in table["rows"]:
            if col is not None and cell.row in str(row[0]):
                return row[col]
    return None


def shown(value: Any) -> str:
    if isinstance(value, dict) and "value" in value:
        lo, hi = value.get("lo"), value.get("hi")
        ci = f" [{lo:.3f}, {hi:.3f}]" if lo is not None and hi is not None else ""
        return f"{value['value']:.3f}{ci}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return "n/a" if value is None else str(value)


def table(out: Path) -> str:
    """The headline table from what OUT holds (a missing run shows 'not run')."""
    lines = ["| figure | value [95% CI] | rows | code | command |", "|---|---|---|---|---|"]
    for cell in HEADLINES:
        path = out / cell.run / "results.json"
        if not path.is_file():
            lines.append(f"| {cell.label} | not run | | | |")
            continue
        results = json.loads(path.read_text())
        n = results.get("n_items")
        part = " (partial)" if results.get("interrupted") else ""
        lines.append(
            f"| {cell.label} | {shown(find(results, cell))} | {n}{part} | "
            f"`{results.get('code')}` | `{results.get('command')}` |"
        )
    bench = out / "bench" / "bench.json"
    figures = json.loads(bench.read_text()) if bench.is_file() and bench.stat().st_size else None
    for label, keys in BENCH_FIGURES:
        value: Any = figures
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        n = figures.get("n") if figures else None
        code = f"`{figures['code']}`" if figures and figures.get("code") else ""
        repeats = figures.get("turn_repeats", 1) if figures else 1
        command = f"`python -m eval bench --turn-repeats {repeats} --json`" if figures else ""
        shown_value = shown(value) if figures else "not run"
        lines.append(f"| {label} | {shown_value} | {n} | {code} | {command} |")
    return "\n".join(lines) + "\n"


def write_readme(block: str, out: Path) -> None:
    text = README.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"README.md has no {BEGIN} ... {END} block")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    source = f"From `{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}`, "
    source += "regenerated by `python -m eval reproduce`.\n\n"
    README.write_text(f"{head}{BEGIN}\n{source}{block}{END}{tail}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m eval reproduce",
        description="Rerun every command behind the README's figures and rebuild its table.",
        epilog="Runs: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in RUNS.items()),
    )
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="results folder")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, metavar="DIR")
    p.add_argument("--only", nargs="+", choices=list(RUNS), metavar="RUN", help="these runs only")
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        help="at most N rows per data set in every suite (a smaller, faster run; the "
        "table shows the rows each figure is from)",
    )
    p.add_argument("--table-only", action="store_true", help="only rebuild the table")
    p.add_argument("--readme", action="store_true", help="also write the table into README.md")
    args = p.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        p.error("--limit must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = args.out.resolve()
    failed = []
    if not args.table_only:
        for name in args.only or list(RUNS):
            if run_one(name, out, args.data.resolve(), args.limit) != 0:
                failed.append(name)
    block = table(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text(
        f"# Headline figures\n\nRegenerate: `python -m eval reproduce --out {args.out}`\n\n{block}"
    )
    if args.readme:
        write_readme(block, out)
    print(block)
    if failed:  # the table still shows what the other runs found
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0

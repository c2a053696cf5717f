"""Run one suite end to end: select rows, run the agent and baselines, score, write outputs."""

from __future__ import annotations

import json
import math
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from agent.llm.loading import Quantize
from eval.suites import SUITES


@dataclass
class RunOptions:
    suite: str
    data_dir: Path
    out_dir: Path
    limit: int | None = None
    split: str = "test"  # eval.splits: every reported figure is on test rows
    seed: int = 0
    model: str | None = None
    quantize: Quantize = "none"
    backend: str = "auto"
    base_url: str | None = None
    context: str = "general"
    samples: int | None = None
    timeout: float | None = None
    baselines: bool = True
    progress: bool = True
    adaptive: bool = True
    interpreter: bool = True


def code_revision() -> str:
    """The git commit the figures came from ('+dirty' with uncommitted changes), so a
    report can be traced to the code that produced it."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return head + ("+dirty" if dirty else "")


def json_safe(obj):
    """JSON-safe: NaN/inf become null (strict JSON), numpy scalars become floats."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str | bytes):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_json(path: Path, data: dict) -> None:
    path.write_text(
        json.dumps(json_safe(data), indent=1, ensure_ascii=False, allow_nan=False), encoding="utf-8"
    )


def collect(opts: RunOptions, harness=None) -> dict:
    """Select, run and score a suite. Returns the results dict (not yet written)."""
    suite = SUITES[opts.suite]
    started, code = time.time(), code_revision()  # before the run: edits during it don't count
    selected = suite.select(opts.data_dir, opts.limit, opts.seed, split=opts.split)  # type: ignore[arg-type]
    extra = suite.extra(opts.data_dir)
    opts.out_dir.mkdir(parents=True, exist_ok=True)
    if harness is None and not suite.needs_agent:
        from eval.harness import Harness

        harness = Harness(agent=None, backend=None, show_progress=opts.progress)  # type: ignore[arg-type]
    if harness is None:
        from eval.harness import build_harness

        harness = build_harness(
            model=opts.model,
            quantize=opts.quantize,
            backend=opts.backend,
            base_url=opts.base_url,
            context=opts.context,
            samples=opts.samples,
            seed=opts.seed,
            timeout=opts.timeout,
            db_path=opts.out_dir / "threads.sqlite",
            baselines=opts.baselines,
            show_progress=opts.progress,
            adaptive=opts.adaptive,
            interpreter=opts.interpreter,
        )
    loaded = time.time()
    harness.kept = []
    harness.data_dir = opts.data_dir
    interrupted = False
    try:
        records = suite.run(harness, selected)
    except KeyboardInterrupt:  # Ctrl-C: score and report the finished items
        records, interrupted = list(harness.kept), True
    ran = time.time()
    config = getattr(harness.agent, "config", None)
    return {
        "suite": suite.name,
        "description": suite.description,
        "command": "python -m eval " + " ".join(sys.argv[1:]),
        "created_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(started)),
        "model": getattr(harness.backend, "name", str(opts.model)),
        "quantize": opts.quantize,
        "context": opts.context,
        "agent_config": config.model_dump(mode="json") if config is not None else {},
        "seed": opts.seed,
        "bootstrap": {"resamples": 1000, "seed": opts.seed, "interval": "95% percentile"},
        "limit": opts.limit,
        "split": opts.split,
        "limit_rule": "seeded stratified sample per data set, classes kept in proportion "
        "(at least one row per class), never the first N rows",
        "n_items": len(records),
        "n_selected": len(selected),
        "interrupted": interrupted,
        "data_files": suite.data_files(opts.data_dir),
        "python": platform.python_version(),
        "code": code,
        "seconds": {
            "load": round(loaded - started, 1),
            "run": round(ran - loaded, 1),
            "total": round(time.time() - started, 1),
        },
        "errors": list(harness.errors),
        "extra": extra,
        "records": records,
        "scores": suite.score(records, opts.seed, extra),
    }


def run_suite(opts: RunOptions, harness=None) -> dict:
    """Run and write results.json, report.md and the plots into opts.out_dir."""
    from eval.report import write_report

    results = collect(opts, harness)
    write_json(opts.out_dir / "results.json", results)
    write_report(results, opts.out_dir)
    return results

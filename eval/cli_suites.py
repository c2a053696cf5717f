"""The suite commands of `python -m eval`: list, run, calibrate and report (each suite
of eval/suites on its data; training commands: eval/cli_train.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from agent.errors import ClarionError
from agent.llm.loading import QUANTIZE_CHOICES
from eval.paths import DEFAULT_DATA_DIR, default_out_dir


def add_suite_commands(sub: argparse._SubParsersAction) -> None:
    """Register the suite commands on `python -m eval`'s subparsers."""
    ls = sub.add_parser("list", help="list suites, the data each needs, and whether present")
    ls.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, metavar="DIR")
    ls.set_defaults(handler=cmd_list)
    run = sub.add_parser("run", help="run one suite and write results.json, report.md, plots")
    _common(run)
    run.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="output folder (default: runs/<suite>-<UTC timestamp>)",
    )
    run.add_argument(
        "--json",
        action="store_true",
        help='print one JSON object on stdout: {"suite", "n", "systems": {name: {metric: '
        'value}}, "components": {name: {metric: value}}, "scores" (every table), "out"} '
        "(progress and logs on stderr)",
    )
    run.set_defaults(handler=cmd_run)
    cal = sub.add_parser("calibrate", help="fit a context profile's thresholds on a dev split")
    _common(cal)
    cal.add_argument(
        "--dev-fraction",
        type=float,
        default=0.5,
        help="share of rows in the dev split (default: 0.5)",
    )
    cal.add_argument(
        "--from-results",
        type=Path,
        default=None,
        metavar="FILE",
        help="fit on the records of an earlier `run` (its results.json) instead "
        "of running the model again",
    )
    cal.add_argument(
        "--name", default=None, help="name of the fitted profile (default: <context>-<suite>-fit)"
    )
    cal.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="write results and the profile YAML here (default: results to "
        "runs/calibrate-<suite>-<timestamp>, the profile to the user "
        "data dir's contexts folder)",
    )
    cal.set_defaults(handler=cmd_calibrate)
    rep = sub.add_parser(
        "report",
        help="re-score a results.json with this code and rewrite its report (no model run)",
    )
    rep.add_argument("results", type=Path, help="results.json of an earlier run")
    rep.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to write (default: the results file's folder)",
    )
    rep.set_defaults(handler=cmd_report)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--suite",
        required=True,
        help="dialogues, clarification, selective or pluralism (see `python -m eval list`)",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        metavar="N",
        help="seeded stratified sample of N rows per data set (both classes kept); "
        "default: all rows",
    )
    p.add_argument(
        "--model",
        default=None,
        metavar="ID|PATH|GGUF",
        help="model (default: embedded SmolLM2-135M-Instruct)",
    )
    p.add_argument(
        "--quantize",
        choices=QUANTIZE_CHOICES,
        default="none",
        help="bitsandbytes quantization (default: none)",
    )
    add_backend_arguments(p)
    p.add_argument("--context", default="general", help="context profile (default: general)")
    p.add_argument(
        "--samples",
        type=int,
        default=None,
        metavar="N",
        help="answers per cell (default: the agent's default)",
    )
    p.add_argument(
        "--no-adaptive",
        dest="adaptive",
        action="store_false",
        help="full mode: every turn samples (default: adaptive, probe first)",
    )
    p.add_argument(
        "--no-interpreter",
        dest="interpreter",
        action="store_false",
        help="readings by prompting alone, not the interpreter adapter (agent/interpreter.py)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="per-turn time limit in seconds (default: the agent's timeout_s); "
        "raise it on a slow or busy machine",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed for sampling rows, the agent and bootstrap CIs (default: 0)",
    )
    p.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR,
        metavar="DIR",
        help="evaluation data folder (default: ../shared/data next to the repo)",
    )
    p.add_argument(
        "--split",
        choices=["dev", "test"],
        default=None,
        help="fixed split of the data sets to ask (eval/splits.json; the dialogues are all "
        "eval rows); default: test for `run`, dev for `calibrate`, so no threshold is ever "
        "fitted on a test row",
    )
    p.add_argument(
        "--no-baselines", action="store_true", help="skip the greedy-answer baselines (faster)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def add_backend_arguments(p: argparse.ArgumentParser) -> None:
    """--backend and --base-url, as `python -m agent` has them (shared with the bench)."""
    from agent.llm import BACKEND_CHOICES

    p.add_argument(
        "--backend",
        choices=BACKEND_CHOICES,
        default="auto",
        help="auto (default): openai if --base-url is given, else in-process",
    )
    p.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="an OpenAI-compatible model server (http://host:port/v1); --model names the "
        "served model. API key: $CLARION_API_KEY",
    )


def cmd_list(args) -> int:
    from eval.suites import SUITES

    for suite in SUITES.values():
        missing = suite.missing(args.data)
        status = "ready" if not missing else f"MISSING data: {', '.join(missing)}"
        print(f"{suite.name:14s} {suite.description}")
        print(f"{'':14s} needs: {', '.join(suite.needs())}")
        print(f"{'':14s} {status}")
    print(f"\ndata folder: {args.data}")
    return 0


def _check(args, out=sys.stdout) -> bool:
    from eval.suites import SUITES

    if args.suite not in SUITES:
        raise ClarionError(f"unknown suite '{args.suite}'; choose from {', '.join(SUITES)}")
    if args.limit is not None and args.limit < 1:
        raise ClarionError("--limit must be at least 1")
    missing = SUITES[args.suite].missing(args.data)
    if missing:
        print(
            f"skipped: suite '{args.suite}' needs the data set(s) {', '.join(missing)} "
            f"under {args.data}, which are absent. Pass --data DIR to point at them.",
            file=out,
        )
        return False
    return True


def _options(args, out: Path):
    from eval.runner import RunOptions

    return RunOptions(
        suite=args.suite,
        data_dir=args.data,
        out_dir=out,
        limit=args.limit,
        split=args.split or ("dev" if args.command == "calibrate" else "test"),
        seed=args.seed,
        model=args.model,
        quantize=args.quantize,
        backend=args.backend,
        base_url=args.base_url,
        context=args.context,
        samples=args.samples,
        timeout=args.timeout,
        baselines=not args.no_baselines,
        progress=not args.quiet,
        adaptive=args.adaptive,
        interpreter=args.interpreter,
    )


def cmd_run(args) -> int:
    as_json = getattr(args, "json", False)
    if not _check(args, out=sys.stderr if as_json else sys.stdout):
        if as_json:
            skipped = {"suite": args.suite, "n": 0, "systems": {}, "components": {}}
            print(json.dumps({**skipped, "skipped": True}))
        return 0
    from eval.runner import json_safe, run_suite
    from eval.summary import summarize

    out = args.out or default_out_dir(args.suite)
    results = run_suite(_options(args, out))
    print(
        f"{results['n_items']} items in {results['seconds']['total']} s; "
        f"report: {out / 'report.md'}",
        file=sys.stderr if as_json else sys.stdout,
    )
    if as_json:
        summary = {**summarize(results), "scores": results["scores"], "out": str(out)}
        print(json.dumps(json_safe(summary), allow_nan=False))
    return 0


def cmd_calibrate(args) -> int:
    if not _check(args):
        return 0
    from eval.calibrate import calibrate

    out = args.out or default_out_dir(f"calibrate-{args.suite}")
    summary = calibrate(
        _options(args, out),
        dev_fraction=args.dev_fraction,
        name=args.name,
        profile_dir=args.out,
        from_results=args.from_results,
    )
    print(summary)
    return 0


def cmd_report(args) -> int:
    from eval.report import write_report
    from eval.runner import write_json
    from eval.suites import SUITES

    results = json.loads(args.results.read_text(encoding="utf-8"))
    results["scores"] = SUITES[results["suite"]].score(
        results["records"], results["seed"], results.get("extra")
    )
    out = args.out or args.results.parent
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "results.json", results)
    print(f"report: {write_report(results, out)}")
    return 0

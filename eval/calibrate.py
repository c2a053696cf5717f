"""Fit a context profile's thresholds on a seeded dev split; report the untouched test split.

The suite runs once; every routing decision is stored with its uncertainty vector, so
the policy (agent.policy.route, component by component) can be replayed offline under
other thresholds. A coordinate search over each component's threshold maximises the
share of decisions whose move is among the right ones, on dev rows only.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from agent.errors import ConfigError
from eval import metrics
from eval.runner import RunOptions, collect, write_json
from eval.suites import SUITES
from uncertainty.report import COMPONENT_NAMES

if TYPE_CHECKING:
    from agent.profiles import ContextProfile


def split_groups(decisions: list[dict], dev_fraction: float, seed: int) -> dict[str, str]:
    """group id -> "dev" | "test", stratified by each group's first label, seeded."""
    first: dict[str, str] = {}
    for d in decisions:
        first.setdefault(d["group"], d["label"])
    by_label: dict[str, list[str]] = {}
    for group, label in first.items():
        by_label.setdefault(label, []).append(group)
    rng = random.Random(seed)
    split = {}
    for label in sorted(by_label):
        groups = sorted(by_label[label])
        rng.shuffle(groups)
        n_dev = round(len(groups) * dev_fraction)
        if len(groups) > 1:
            n_dev = min(max(n_dev, 1), len(groups) - 1)
        for i, g in enumerate(groups):
            split[g] = "dev" if i < n_dev else "test"
    return split


def with_thresholds(profile: ContextProfile, values: dict[str, float]) -> ContextProfile:
    return profile.model_copy(update={"thresholds": {**profile.thresholds, **values}})


def replay(decisions: list[dict], profile: ContextProfile) -> list[str]:
    """The moves agent.policy.route picks for stored decisions under `profile`."""
    from agent.policy import route

    moves: list[str] = []
    for d in decisions:
        vector = {c: float(d["vector"].get(c, 0.0)) for c in COMPONENT_NAMES}
        laden = d["value_laden"] if d["value_laden"] is not None else d["kind"] == "perspectives"
        moves.append(
            route(
                vector,
                profile,
                clarify_rounds=d["rounds"],
                value_laden=laden,
                has_options=d["has_options"],
            ).move
        )
    return moves


def accuracy(decisions: list[dict], moves: list[str]) -> float:
    return metrics.rate([m in d["target"] for m, d in zip(moves, decisions, strict=True)])


def fit(dev: list[dict], profile, passes: int = 3) -> dict[str, float]:
    """Coordinate ascent over observed values (and midpoints); ties stay near the original."""
    original = dict(profile.thresholds)
    best = dict(original)
    for _ in range(passes):
        changed = False
        for comp in COMPONENT_NAMES:
            if comp not in best:
                continue
            values = sorted({float(d["vector"].get(comp, 0.0)) for d in dev})
            cands = set(values) | {original[comp], (values[-1] + 1.0) if values else 1.0}
            cands |= {(a + b) / 2 for a, b in zip(values, values[1:], strict=False)}
            scored = []
            for c in sorted(cands):
                trial = with_thresholds(profile, {**best, comp: c})
                scored.append((accuracy(dev, replay(dev, trial)), -abs(c - original[comp]), c))
            top = max(scored)[2]
            if top != best[comp]:
                best[comp], changed = top, True
        if not changed:
            break
    return best


def profile_path(name: str, profile_dir: Path | None) -> Path:
    """A new file for the fitted profile: never an existing one (a suffix is added)."""
    if profile_dir is None:
        from agent.config import default_data_dir

        profile_dir = default_data_dir() / "contexts"
    profile_dir.mkdir(parents=True, exist_ok=True)
    path, n = profile_dir / f"{name}.yaml", 2
    while path.exists():
        path, n = profile_dir / f"{name}-{n}.yaml", n + 1
    return path


def calibrate(
    opts: RunOptions,
    *,
    dev_fraction: float = 0.5,
    name: str | None = None,
    profile_dir: Path | None = None,
    harness=None,
    from_results: Path | None = None,
) -> str:
    from agent.profiles import load_profile, save_profile
    from eval.report import write_report

    if not 0.0 < dev_fraction < 1.0:
        raise ValueError("--dev-fraction must be between 0 and 1")
    suite = SUITES[opts.suite]
    if from_results is not None:  # re-fit on stored records: no model run
        results = json.loads(Path(from_results).read_text(encoding="utf-8"))
        if results.get("suite") != suite.name:
            raise ConfigError(
                f"{from_results} holds suite '{results.get('suite')}', not '{suite.name}'."
            )
        opts.out_dir.mkdir(parents=True, exist_ok=True)
    else:
        results = collect(opts, harness)
    decisions = suite.decisions(results["records"])
    split = split_groups(decisions, dev_fraction, opts.seed)
    dev = [d for d in decisions if split[d["group"]] == "dev"]
    test = [d for d in decisions if split[d["group"]] == "test"]
    profile = load_profile(opts.context)
    fitted = fit(dev, profile)
    tuned = with_thresholds(profile, fitted)
    rows: list[list[Any]] = []
    for part, ds in (("dev", dev), ("test", test)):
        for label, prof in (("shipped", profile), ("fitted", tuned)):
            acc = np.array([m in d["target"] for m, d in zip(replay(ds, prof), ds, strict=True)])
            rows.append([part, label, len(ds), metrics.with_ci(np.mean, acc, seed=opts.seed)])
    agree = metrics.rate(
        [m == d["kind"] for m, d in zip(replay(decisions, profile), decisions, strict=True)]
    )
    name = name or f"{profile.name}-{suite.name}-fit"
    path = profile_path(name, profile_dir)
    fitted_profile = tuned.model_copy(update={"name": path.stem})
    command = "python -m eval " + " ".join(sys.argv[1:])
    save_profile(
        fitted_profile,
        path,
        comment=(
            f"Fitted by `{command}` (seed {opts.seed}) on {len(dev)} dev decisions\n"
            f"(dev/test split and test-split accuracy in {opts.out_dir / 'results.json'})."
        ),
    )
    load_profile(str(path))  # the written file must load as a profile
    results["calibration"] = {
        "command": command,
        "from_results": str(from_results) if from_results else None,
        "split": split,
        "dev_fraction": dev_fraction,
        "shipped": dict(profile.thresholds),
        "fitted": fitted,
        "replay_agreement": agree,
        "profile_file": str(path),
        # kept apart from results["scores"], which `python -m eval report` recomputes
        "tables": [
            {
                "title": f"Calibration of profile '{profile.name}' (fitted on dev only; "
                f"written to {path})",
                "columns": ["split", "thresholds", "decisions", "right move [95% CI]"],
                "rows": rows,
            },
            {
                "title": "Thresholds",
                "columns": ["component", "shipped", "fitted"],
                "rows": [[c, profile.thresholds[c], fitted.get(c)] for c in COMPONENT_NAMES],
            },
        ],
        "notes": [
            f"Replaying the shipped profile on the stored vectors reproduces {agree:.0%} "
            "of the agent's actual moves (differences: inputs the replay cannot see)."
        ],
    }
    write_json(opts.out_dir / "results.json", results)
    write_report(results, opts.out_dir)
    test_rows = [r for r in rows if r[0] == "test"]
    return (
        f"fitted profile written to {path}\n"
        + "\n".join(
            f"test accuracy ({r[1]}): {r[3]['value']:.3f} on {r[2]} decisions" for r in test_rows
        )
        + f"\nreport: {opts.out_dir / 'report.md'}"
    )

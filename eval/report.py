"""report.md from a results dict: provenance first, then tables with CIs, then plots."""

from __future__ import annotations

import math
import re
from pathlib import Path

from eval import plots


def _readings_by(config: dict) -> str:
    """Who writes the interpret step's readings in this run."""
    if not config:
        return "n/a"
    mode = "adaptive" if config.get("adaptive", True) else "full mode (--no-adaptive)"
    if config.get("interpreter", True):
        return f"interpreter adapter where trained (agent/interpreter.py); {mode}"
    return f"the model prompted alone (--no-interpreter); {mode}"


def fmt(value) -> str:
    """Table cell: numbers to 3 decimals, {"value","lo","hi"} as 'v [lo, hi]', None as n/a."""
    if value is None:
        return "n/a"
    if isinstance(value, dict) and "value" in value:
        v = fmt(value["value"])
        if value.get("lo") is None or _nan(value["lo"]):
            return v
        return f"{v} [{fmt(value['lo'])}, {fmt(value['hi'])}]"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return "n/a" if _nan(value) else f"{value:.3f}"
    return " ".join(str(value).split()).replace("|", "\\|")


def _nan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)


def table(spec: dict) -> list[str]:
    lines = [
        f"**{spec['title']}**",
        "",
        "| " + " | ".join(spec["columns"]) + " |",
        "|" + "---|" * len(spec["columns"]),
    ]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in spec["rows"]]
    return lines + [""]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:50]


def draw(scores: dict, out_dir: Path) -> list[tuple[str, str]]:
    """All plots of a suite's scores: [(title, file name)]."""
    made = []
    for spec in scores.get("roc", []):
        name = f"{_slug(spec['title'])}.png"
        plots.roc_plot(spec, out_dir / name)
        made.append((spec["title"], name))
    for spec in scores.get("rejection", []):
        name = f"{_slug(spec['title'])}.png"
        plots.rejection_plot(spec, out_dir / name)
        made.append((spec["title"], name))
    for spec in scores.get("bars", []):
        name = f"{_slug(spec['title'])}.png"
        plots.bar_plot(spec, out_dir / name)
        made.append((spec["title"], name))
    if scores.get("confusion"):
        plots.confusion_plot(scores["confusion"], out_dir / "confusion.png")
        made.append((scores["confusion"]["title"], "confusion.png"))
    return made


def render(results: dict, images: list[tuple[str, str]]) -> str:
    secs = results["seconds"]
    lines = [
        f"# Clarion evaluation: `{results['suite']}`",
        "",
        results["description"],
        "",
        "| | |",
        "|---|---|",
        f"| command | `{results['command']}` |",
        *(
            [f"| calibration | `{results['calibration']['command']}` |"]
            if results.get("calibration")
            else []
        ),
        f"| date (UTC) | {results['created_utc']} |",
        f"| code | `{results.get('code', 'not recorded')}` |",
        f"| model | `{results['model']}` (quantize: {results['quantize']}) |",
        f"| context profile | {results['context']} |",
        f"| samples per cell | {results.get('agent_config', {}).get('samples', 'n/a')} |",
        f"| readings | {_readings_by(results.get('agent_config', {}))} |",
        f"| seed | {results['seed']} (bootstrap: {results['bootstrap']['resamples']} "
        f"resamples, {results['bootstrap']['interval']}) |",
        f"| split | {results.get('split', 'not recorded')} rows only (eval/splits.json) |",
        f"| items | {results['n_items']} of {results.get('n_selected', results['n_items'])} "
        f"selected (limit {results['limit']}: {results['limit_rule']})"
        f"{' — INTERRUPTED, partial' if results.get('interrupted') else ''} |",
        f"| time | {secs['total']} s (model load {secs['load']} s, run {secs['run']} s) |",
        f"| agent errors | {len(results['errors'])} |",
        "",
        "## Data files",
        "",
        "| file | bytes | sha256 |",
        "|---|---|---|",
    ]
    lines += [f"| `{f['path']}` | {f['bytes']} | `{f['sha256']}` |" for f in results["data_files"]]
    lines += ["", "## Results", ""]
    calibration = results.get("calibration") or {}
    for spec in calibration.get("tables", []) + results["scores"].get("tables", []):
        lines += table(spec)
    notes = results["scores"].get("notes", []) + calibration.get("notes", [])
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    if images:
        lines += ["## Plots", ""] + [f"![{t}]({name})" for t, name in images] + [""]
    if results["errors"]:
        lines += (
            ["## Agent errors", ""]
            + [f"- `{e['text'][:80]}`: {e['error']}" for e in results["errors"][:20]]
            + [""]
        )
    return "\n".join(lines)


def write_report(results: dict, out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    images = draw(results["scores"], out_dir)
    path = out_dir / "report.md"
    path.write_text(render(results, images), encoding="utf-8")
    return path

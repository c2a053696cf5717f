"""`python -m eval compare A/results.json B/results.json`: two runs of one suite side by
side (e.g. in-process vs through a model server, adaptive vs full mode).

For each run: the systems' headline metrics from its --json summary, its errors, the
mean and median seconds of Clarion's turns; then the share of items (turns, for the
dialogue suite) where both runs made the same move, over the items both answered.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from eval.summary import summarize


def turns(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Clarion's reply per item (a dialogue's turns as item#k), by item id."""
    out: dict[str, dict[str, Any]] = {}
    for record in results.get("records", []):
        if "turns" in record:
            for k, turn in enumerate(record["turns"]):
                out[f"{record['id']}#{k}"] = turn.get("clarion") or {}
        else:
            out[str(record.get("id"))] = record.get("clarion") or {}
    return out


def side(path: Path) -> dict[str, Any]:
    results = json.loads(path.read_text())
    replies = turns(results)
    seconds = [r["seconds"] for r in replies.values() if isinstance(r.get("seconds"), float)]
    clarion = summarize(results)["systems"].get("Clarion", {})
    return {
        "results": str(path),
        "model": results.get("model"),
        "code": results.get("code"),
        "items": results.get("n_items"),
        "turns": len(replies),
        "errors": sum(bool(r.get("error")) or "kind" not in r for r in replies.values()),
        "mean_turn_s": statistics.mean(seconds) if seconds else None,
        "median_turn_s": statistics.median(seconds) if seconds else None,
        "clarion": clarion,
        "moves": {k: r.get("kind", "error") for k, r in replies.items()},
    }


def compare(a: Path, b: Path) -> dict[str, Any]:
    left, right = side(a), side(b)
    both = [k for k in left["moves"] if k in right["moves"]]
    answered = [k for k in both if "error" not in (left["moves"][k], right["moves"][k])]
    same = sum(left["moves"][k] == right["moves"][k] for k in answered)
    return {
        "a": left,
        "b": right,
        "same_move_share": same / len(answered) if answered else None,
        "compared_turns": len(answered),
    }


def format_comparison(out: dict[str, Any]) -> list[str]:
    metrics = [m for m in out["a"]["clarion"] if not m.endswith("_ci")]
    lines = ["| | A | B |", "|---|---|---|"]
    for key in ("results", "model", "code", "items", "turns", "errors"):
        lines.append(f"| {key} | {out['a'][key]} | {out['b'][key]} |")
    for key in ("mean_turn_s", "median_turn_s"):
        a, b = out["a"][key], out["b"][key]
        lines.append(f"| {key} | {a and round(a, 1)} | {b and round(b, 1)} |")
    for m in metrics:
        cells = []
        for s in (out["a"], out["b"]):
            value, ci = s["clarion"].get(m), s["clarion"].get(f"{m}_ci")
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            cells.append(shown + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci and None not in ci else ""))
        lines.append(f"| Clarion {m} | {cells[0]} | {cells[1]} |")
    share = out["same_move_share"]
    shown = "n/a" if share is None else f"{share:.3f}"
    lines.append(f"| same move, A vs B | {shown} of {out['compared_turns']} turns | |")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval compare", description=__doc__.split("\n")[0])
    p.add_argument("a", type=Path, help="results.json of the first run")
    p.add_argument("b", type=Path, help="results.json of the second run (same suite)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    for path in (args.a, args.b):
        if not path.is_file():
            p.error(f"{path} is not a file")
    out = compare(args.a, args.b)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print("\n".join(format_comparison(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

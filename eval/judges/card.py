"""The judges' card: card.json (everything) and card.md (the same, for people)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from agent.normativity import EXEMPLARS_PATH
from eval.judges.data import FACT_EXEMPLARS_PATH, REQUEST_EXEMPLARS_PATH, SOURCES
from eval.paths import REPO_ROOT, sha256
from eval.splits import MANIFEST_PATH, SPLITS, data_file_records

WHY = """\
Why these features. The request's MiniLM embedding and the greedy answer's token
statistics exist for every backend (transformers, an OpenAI-compatible server, llama.cpp).
The model's own prompt embedding (llm_embedding) exists where the backend runs the model
itself (llama.cpp, the default, and transformers; not a server): a judge reads it only if
its dev AUROC beats the best set without it by LLM_MARGIN (eval/judges/candidates.py), and such
a judge has a fallback probe without it (its section below) for the other backends.
SmolLM2's mid-layer hidden states are used only if the ablation below shows they pay on
dev. Logistic regression or a one-layer MLP: well under a millisecond per request,
deterministic, weights small enough to commit as .npz (no pickle)."""


def _fmt(ci) -> str:
    if not isinstance(ci, dict):
        return "n/a" if ci is None else f"{ci:.3f}"
    if ci.get("value") is None:
        return "n/a"
    return f"{ci['value']:.3f} [{ci['lo']:.3f}, {ci['hi']:.3f}]"


def data_records(data_dir: Path) -> list[dict]:
    files = ("exemplars", "request_exemplars", "fact_exemplars")
    used = {s for sources in SOURCES.values() for s in sources if s not in files}
    out = [rec for name in sorted(used) for rec in data_file_records(name, data_dir)]
    for path in (EXEMPLARS_PATH, REQUEST_EXEMPLARS_PATH, FACT_EXEMPLARS_PATH, MANIFEST_PATH):
        out.append(
            {
                "file": str(path.relative_to(REPO_ROOT)),
                "bytes": path.stat().st_size,
                "sha256": sha256(path),
            }
        )
    return out


def write_card(card: dict, data_dir: Path, out_dir: Path) -> None:
    card["created_utc"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    card["data_files"] = data_records(data_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "card.json").write_text(json.dumps(card, indent=1, default=float) + "\n")
    (out_dir / "card.md").write_text(markdown(card))


def _binary_table(test: dict) -> list[str]:
    lines = [
        "| rows | n | positives | AUROC [95% CI] | F1 [95% CI] | precision | recall "
        "| positive rate on negatives [95% CI] |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, m in test.items():
        if not isinstance(m, dict) or "n" not in m or "f1" not in m:
            continue
        lines.append(
            f"| {key} | {m['n']} | {m['positives']} | {_fmt(m.get('auroc'))} | {_fmt(m['f1'])} "
            f"| {m['precision']:.3f} | {m['recall']:.3f} | {_fmt(m.get('false_positive_rate'))} |"
        )
    return lines


def _se_section(se: dict | None) -> list[str]:
    if not se:
        return [
            "## semantic-entropy probe: not fitted",
            "",
            "This run was without `--se-probe`: no answers were sampled, and likely_wrong was "
            "offered only the feature sets in its selection table below (none reads the "
            "probe's `se_probe` block), so there is no semantic_entropy.npz.",
            "",
        ]
    srcs = list(next(iter(se["rows"].values())).keys())
    out = [
        f"## semantic-entropy probe (`{se['probe']}`, auxiliary: the likely_wrong judge's "
        "`se_probe` block)",
        "",
        f"Target (label-free, Kossen et al. 2024): the model's own {se['target']}; answers "
        "sampled as the agent samples (temperature 0.7, top-p 0.9, JUDGE_TOKENS), clustered "
        "by the agent's equivalence judge. Computed on TRAIN and DEV rows only.",
        f"Features: {' + '.join(se['features'])}; model: {se['model']}; "
        f"dev AUROC for high SE {se['dev_auroc']:.3f}.",
        "",
        "| split | " + " | ".join(srcs) + " | high-SE rows | mean SE (nats) |",
        "|---|" + "---|" * (len(srcs) + 2),
    ]
    for s in se["rows"]:
        out.append(
            f"| {s} | "
            + " | ".join(str(se["rows"][s][k]) for k in srcs)
            + f" | {se['positives'][s]} | {se['mean_se'][s]:.3f} |"
        )
    out += ["", "Selection on dev (fitted on train):", "", "| features | model | dev AUROC |"]
    out += ["|---|---|---|"]
    out += [f"| {r['features']} | {r['model']} | {r['dev_auroc']:.3f} |" for r in se["selection"]]
    read = se.get("read_by") or []
    out += [
        "",
        f"Read by: {', '.join(read)} (weights in semantic_entropy.npz)."
        if read
        else "No judge chose a feature set with `se_probe` on dev, so its weights are not "
        "written (no semantic_entropy.npz).",
    ]
    return [*out, ""]


def _cost_section(card: dict) -> list[str]:
    if not card.get("phases"):
        return []
    computed = card.get("computed") or {}
    done = ", ".join(f"{k} {v}" for k, v in computed.items()) or "none"
    return [
        "| part of this run | seconds |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in card["phases"].items()],
        "",
        f"Rows computed by this run, not read from the feature cache: {done}.",
        "",
    ]


def _likely_wrong_dev(j: dict) -> list[str]:
    if not j.get("dev_breakdown"):
        return []
    out = [
        "",
        "DEV rows (the factual exemplars, prompts/fact_exemplars.yaml, are train/dev only; "
        "positives = wrong answers; task requests are all 0, so their positive rate on "
        "negatives is the share hedged), at the operating threshold:",
        "",
        *_binary_table(j["dev_breakdown"]),
        "",
        "Threshold rules on the same dev rows:",
        "",
        "| rule | threshold | wrong answers hedged | rows labelled 0 hedged "
        "| task requests hedged |",
        "|---|---|---|---|---|",
    ]
    out += [
        f"| {name} | {r['threshold']:.3f} | {r['wrong answers hedged']:.3f} "
        f"| {r['rows labelled 0 hedged']:.3f} | {r['task requests hedged']:.3f} |"
        for name, r in j["threshold_rules"].items()
    ]
    return out


def markdown(card: dict) -> str:
    out = [
        "# Clarion judges: card",
        "",
        "Three judges"
        + (" and one auxiliary probe" if card.get("semantic_entropy_probe") else "")
        + " (agent/judges.py, uncertainty/probe.py: logistic regression or a one-layer MLP), "
        "trained by",
        f"`{card['command']}` in {card['seconds']} s on {card['created_utc']} UTC (seed "
        f"{card['seed']}; model `{card['model']}`).",
        "Fitted on TRAIN rows only; feature set, C and the operating threshold chosen on DEV;",
        "every figure below is on TEST rows (fixed splits, eval/splits.py and eval/splits.json),",
        "with seeded bootstrap 95% intervals (1000 resamples).",
        "The seconds above include computing whatever the feature cache (runs/judge-features) "
        "did not hold; `python -m eval train-judges --help` gives the measured cost of each "
        "part from a cold cache.",
        "",
        *_cost_section(card),
        WHY,
        *(
            []
            if any(j["ablation_hidden_state"] for j in card["judges"].values())
            else [
                "(This run skipped the hidden-state ablation, --no-ablation: no judge reads them.)"
            ]
        ),
        "",
        "## Data",
        "",
        "| file | bytes | sha256 |",
        "|---|---|---|",
        *[f"| `{d['file']}` | {d['bytes']} | `{d['sha256']}` |" for d in card["data_files"]],
        "",
        "Never trained on: eval/dialogues/*.yaml (an eval set).",
        "",
        "## Features",
        "",
        *[f"- `{k}`: {v}" for k, v in card["features"].items()],
        "",
    ]
    out += _se_section(card.get("semantic_entropy_probe"))
    for judge, j in card["judges"].items():
        out += [
            f"## {judge} (`{j['probe']}`)",
            "",
            f"Features: {' + '.join(j['features'])}; model: {j['model']}; operating threshold "
            f"(chosen on dev) P >= {j['dev_threshold']:.3f}.",
            "",
            "| split | " + " | ".join(next(iter(j["rows"].values())).keys()) + " | positives |",
            "|---|" + "---|" * (len(next(iter(j["rows"].values()))) + 1),
        ]
        for s in SPLITS:
            out.append(
                f"| {s} | "
                + " | ".join(str(v) for v in j["rows"][s].values())
                + f" | {j['positives'][s]} |"
            )
        out += ["", "Selection on dev (fitted on train):", "", "| features | model | dev AUROC |"]
        out += ["|---|---|---|"]
        out += [
            f"| {r['features']} | {r['model']} | {r['dev_auroc']:.3f} |" for r in j["selection"]
        ]
        if j.get("exemplar_weights"):
            out += [
                "",
                "Weight of the request-exemplar train rows (eval/judges/train.py, "
                f"exemplar_weight): {j['exemplar_weight']:g}",
                "",
                "| exemplar weight | dev AUROC (all dev rows) | dev AUROC (request exemplars) |",
                "|---|---|---|",
            ]
            out += [
                f"| {r['exemplar_weight']:g} | {r['dev_auroc']:.3f} | "
                f"{r['dev_exemplar_auroc']:.3f} |"
                for r in j["exemplar_weights"]
            ]
        if j["ablation_hidden_state"]:
            out += [
                "",
                "Ablation: SmolLM2 hidden state at the last prompt token (seeded subset: "
                f"{j['ablation_hidden_state'][0]['rows']} rows; best model per set):",
                "",
                "| features | model | dev AUROC |",
                "|---|---|---|",
            ]
            out += [
                f"| {r['features']} | {r['model']} | {r['dev_auroc']:.3f} |"
                for r in j["ablation_hidden_state"]
            ]
        if j.get("dev_exemplars"):
            out += [
                "",
                "Held-out request exemplars (prompts/judge_exemplars.yaml, DEV split), at the "
                "operating threshold:",
                "",
                *_binary_table({"dev exemplars": j["dev_exemplars"]}),
            ]
        out += _likely_wrong_dev(j)
        out += ["", "Test:", "", *_binary_table(j["test"])]
        if j.get("fallback"):
            fb = j["fallback"]
            out += [
                "",
                f"Fallback `{fb['probe']}` (for a backend without llm_embedding: an "
                f"OpenAI-compatible server, another model): features "
                f"{' + '.join(fb['features'])}; model: {fb['model']}; dev AUROC "
                f"{fb['dev_auroc']:.3f}; its own dev threshold {fb['own_threshold']:.3f}, its "
                f"logit shifted to put that at {j['dev_threshold']:.3f}. Test:",
                "",
                *_binary_table({"all": fb["test"]["all"]}),
            ]
        if "perspectives_rate" in j["test"]:
            out += ["", "| set | n | rate of P >= threshold [95% CI] |", "|---|---|---|"]
            out += [
                f"| {k} | {v['n']} | {_fmt(v['rate'])} |"
                for k, v in j["test"]["perspectives_rate"].items()
            ]
        if j["test"].get("baselines"):
            out += ["", "| baseline on the same test rows | AUROC [95% CI] |", "|---|---|"]
            out += [f"| {k} | {_fmt(v)} |" for k, v in j["test"]["baselines"].items()]
        out.append("")
    out += ["## Versions", "", *[f"- {k} {v}" for k, v in card["versions"].items()], ""]
    return "\n".join(out)

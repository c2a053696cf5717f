"""The adapters' card beside their weights: card.json (everything) and card.md (people)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from agent.cultures import CULTURES_PATH
from eval.paths import REPO_ROOT, sha256
from eval.report import table
from eval.splits import MANIFEST_PATH, data_file_records


def adapter_bytes(out_dir: Path) -> dict[str, int]:
    return {
        p.parent.name: p.stat().st_size for p in sorted(out_dir.glob("*/adapter_model.safetensors"))
    }


def lora_record(config) -> dict:
    """The card's summary of a peft LoraConfig."""
    return {
        "r": config.r,
        "lora_alpha": config.lora_alpha,
        "lora_dropout": config.lora_dropout,
        "target_modules": sorted(config.target_modules),
        "layers_to_transform": list(config.layers_to_transform),
    }


def files_table(records: list[dict]) -> list[str]:
    return [
        "| file | bytes | sha256 |",
        "|---|---|---|",
        *[f"| `{d['file']}` | {d['bytes']} | `{d['sha256']}` |" for d in records],
    ]


def _repo_file(path: Path) -> dict:
    return {
        "file": str(path.relative_to(REPO_ROOT)),
        "bytes": path.stat().st_size,
        "sha256": sha256(path),
    }


def write_card(card: dict, data_dir: Path, out_dir: Path) -> None:
    card["created_utc"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    card["data_files"] = data_file_records("globalopinionqa", data_dir) + [
        _repo_file(CULTURES_PATH),
        _repo_file(MANIFEST_PATH),
    ]
    card["adapter_bytes"] = adapter_bytes(out_dir)
    (out_dir / "card.json").write_text(json.dumps(card, indent=1, default=float) + "\n")
    (out_dir / "card.md").write_text(markdown(card))


def markdown(card: dict) -> str:
    size = card["adapter_bytes"]
    out = [
        "# Clarion culture adapters: card",
        "",
        "LoRA experts (one per region) + a gate per country, and one dense LoRA on all countries",
        f"pooled, on {card['model']}. Trained by `{card['command']}` in {card['seconds']} s on",
        f"{card['created_utc']} UTC (seed {card['seed']}, CPU).",
        "Fitted on TRAIN questions only; early stopping on DEV; every figure below is on TEST",
        "questions (GlobalOpinionQA split by question, eval/splits.py: no test question is seen",
        "in training for any country).",
        "",
        "## Model",
        "",
        f"- LoRA: {json.dumps(card['lora'])}",
        f"- hyper-parameters: {json.dumps(card['hyper'])}",
        "- loss: soft-label cross-entropy of the model's next-token distribution over the option",
        "  letters (renormalised) against the country's real answer distribution",
        "- gate: per-country softmax weights over the experts, fitted on train rows (mean KL,",
        "  L2 to the country's own region); the agent (and `mixture` below) scores the top",
        f"  {card['top_experts']} experts of each country, their weights renormalised",
        f"- adapter files: {sum(size.values())} bytes in all (safetensors, fp32): "
        + ", ".join(f"{k} {v}" for k, v in size.items()),
        "",
        "## Data and subsample",
        "",
        *files_table(card["data_files"]),
        "",
        f"Subsample: {json.dumps(card['subsample'])} (see eval/adapters/data.py).",
        f"Rows (question x country): {json.dumps(card['rows'])};",
        f"questions: {json.dumps(card['questions'])}.",
        "",
        "## Experts",
        "",
        "| adapter | train rows | best epoch | dev JS by epoch |",
        "|---|---|---|---|",
    ]
    for name, fit in card["fits"].items():
        hist = ", ".join(f"{h['dev_js']:.3f}" for h in fit["history"])
        out.append(f"| {name} | {fit['rows']} | {fit['best_epoch']} | {hist} |")
    out += ["", "## Test", ""]
    for tbl in card["test"]["tables"]:
        out += table(tbl)
    out += [f"- {n}" for n in card["test"]["notes"]] + [""]
    return "\n".join(out)


def interpreter_card(card: dict, data_dir: Path, out_dir: Path) -> None:
    """card.json + card.md of the interpreter adapter."""
    card["created_utc"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    card["data_files"] = [
        *(r for s in ("ambignq", "ambient", "clamber") for r in data_file_records(s, data_dir)),
        _repo_file(MANIFEST_PATH),
    ]
    card["adapter_bytes"] = (out_dir / "adapter_model.safetensors").stat().st_size
    (out_dir / "card.json").write_text(json.dumps(card, indent=1, default=float) + "\n")
    (out_dir / "card.md").write_text(interpreter_markdown(card))


def _ci(c: dict) -> str:
    return f"{c['value']:.3f} [{c['lo']:.3f}, {c['hi']:.3f}]"


def interpreter_markdown(card: dict) -> str:
    hist = ", ".join(f"{h['dev_nll']:.3f}" for h in card["fit"]["history"])
    nll = card["test_nll"]
    out = [
        "# Clarion interpreter adapter: card",
        "",
        "One LoRA on the embedded model that, given the interpret step's prompt",
        "(prompts/interpret.txt) for a vague request, writes ONE specific reading of it;",
        "sampled K times it writes K readings (agent/interpreter.py, agent/nodes/interpret.py).",
        f"Base: {card['model']}. Trained by `{card['command']}` in {card['seconds']} s on",
        f"{card['created_utc']} UTC (seed {card['seed']}, CPU). Requests of the TRAIN split",
        "only (eval/splits.py, by request text); the epoch by DEV loss; figures on TEST.",
        "",
        "## Model",
        "",
        f"- LoRA: {json.dumps(card['lora'])}",
        f"- hyper-parameters: {json.dumps(card['hyper'])}",
        "- loss: token cross-entropy of the reading and the end-of-turn token, prompt masked",
        f"- adapter file: adapter_model.safetensors, {card['adapter_bytes']} bytes (fp32)",
        f"- dev NLL by epoch (0 = the base model): {hist}; kept epoch {card['fit']['best_epoch']}",
        "",
        "## Data and subsample",
        "",
        *files_table(card["data_files"]),
        "",
        f"Subsample (requests per source and split, seeded): {json.dumps(card['subsample'])}",
        "(see eval/adapters/readings.py for what each source contributes).",
        f"Requests: {json.dumps(card['requests'])}; (request, reading) pairs:",
        f"{json.dumps(card['pairs'])}.",
        "",
        "## Test: mean token NLL of the held-out readings (nats; 95% CI, requests resampled)",
        "",
        "| source | base model | interpreter adapter |",
        "|---|---|---|",
        *[f"| {k} | {_ci(nll['base'][k])} | {_ci(nll['adapter'][k])} |" for k in nll["base"]],
        "",
    ]
    return "\n".join(out)

"""The training commands of `python -m eval`: train-judges, train-adapters, splits and
fit-question-kinds (each writes committed weights or manifests and a card)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from agent.errors import ClarionError
from eval.paths import DEFAULT_DATA_DIR


def add_training_commands(sub: argparse._SubParsersAction) -> None:
    """Register the training commands on `python -m eval`'s subparsers."""
    tj = sub.add_parser(
        "train-judges",
        help="train the learned judges on the fixed train splits; write weights and card",
        description="Fit the three judges (agent/judges.py) on train rows of --data, "
        "prompts/normativity.yaml, prompts/judge_exemplars.yaml and "
        "prompts/fact_exemplars.yaml, choose features, model and thresholds on dev rows, "
        "score test rows, and write "
        "agent/judge_weights/{needs_clarification,contested,likely_wrong}.npz with card.md "
        "and card.json (with --se-probe also semantic_entropy.npz, if a judge chose its "
        "block). Deterministic (seed 0); features are cached in --cache by canonical batch, "
        "so a warm rerun writes the bytes a cold one does. Cost from a fresh clone, cache "
        "empty (OMP_NUM_THREADS=1, 2 CPU cores shared with other work; 2026-12-02): loading "
        "rows and models 36 s (the first load converts the GGUF), embeddings of 9,740 texts "
        "140 s, greedy answers of the 1,172 likely_wrong rows 446 s, fits and reports 23 s: "
        "646 s in all (1,085 s at load ~4) with --no-ablation, before the model's prompt "
        "embedding (llm_embedding) was added: that block, 7,406 texts through llama.cpp on "
        "one thread, took 895 s alone at load ~3 and now runs on its own thread beside the "
        "embeddings and greedy answers; 60-100 s with the cache warm. "
        "--se-probe adds ~45 min (5 sampled answers for each of 640 train/dev rows: 4.1 s a "
        "row on 48 of them at load ~3; and the greedy answers of their 462 other rows); the "
        "hidden-state ablation (without --no-ablation) adds ~25 min (2,214 rows at 0.69 s, "
        "measured on 64 at load ~3).",
    )
    tj.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, metavar="DIR")
    tj.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="where the weights and card go (default: agent/judge_weights)",
    )
    tj.add_argument(
        "--cache",
        type=Path,
        default=Path("runs/judge-features"),
        metavar="DIR",
        help="feature cache (default: runs/judge-features); reruns reuse it",
    )
    tj.add_argument("--fresh", action="store_true", help="ignore the feature cache")
    tj.add_argument(
        "--no-ablation",
        action="store_true",
        help="skip the hidden-state ablation (the card then has no ablation table)",
    )
    tj.add_argument(
        "--se-probe",
        action="store_true",
        help="also fit the semantic-entropy probe (samples answers: the costliest part) and "
        "offer its logit to likely_wrong",
    )
    tj.add_argument(
        "--no-llm-embedding",
        action="store_true",
        help="do not offer needs_clarification and likely_wrong the default model's own "
        "prompt embedding (llama.cpp: its final-layer state at the judge prompt's last "
        "token; the costliest block of a cold run)",
    )
    tj.add_argument("--json", action="store_true", help="print the card as JSON")
    tj.add_argument("--quiet", action="store_true", help="no progress bars")
    tj.set_defaults(handler=cmd_train_judges)
    ta = sub.add_parser(
        "train-adapters",
        help="train the LoRA adapters of one family on the fixed train splits; weights + card",
        description="culture (agent/adapters.py): one LoRA expert per region "
        "of prompts/cultures.yaml, a gate per country and one dense LoRA on all countries "
        "pooled, on GlobalOpinionQA train questions (early stopping on dev), scored on test "
        "questions; writes agent/adapter_weights/culture/. interpreter (agent/interpreter.py): "
        "one LoRA writing specific readings of a vague request, on AmbigNQ / AmbiEnt / "
        "CLAMBER train requests; writes agent/adapter_weights/interpreter/. Each with card.md "
        "and card.json.",
    )
    ta.add_argument("--family", choices=["culture", "interpreter"], required=True)
    ta.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, metavar="DIR")
    ta.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="where the weights and card go (default: agent/adapter_weights/FAMILY)",
    )
    ta.add_argument(
        "--questions",
        type=int,
        nargs=3,
        default=None,
        metavar=("TRAIN", "DEV", "TEST"),
        help="culture: questions sampled per split (default: the card's subsample)",
    )
    ta.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="training epochs (default: culture 3, interpreter 1)",
    )
    ta.add_argument("--json", action="store_true", help="print the card as JSON")
    ta.add_argument("--quiet", action="store_true", help="no progress bars")
    ta.set_defaults(handler=cmd_train_adapters)
    sp = sub.add_parser(
        "splits",
        help="rebuild the fixed train/dev/test manifest (eval/splits.json) and show counts",
    )
    sp.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, metavar="DIR")
    sp.add_argument(
        "--write", action="store_true", help="write eval/splits.json (default: only compare)"
    )
    sp.add_argument("--json", action="store_true", help="print the manifest's counts as JSON")
    sp.set_defaults(handler=cmd_splits)

    kinds = sub.add_parser(
        "fit-question-kinds",
        help="fit the clarifying-question kind model on CLAMBER's train split "
        "(writes agent/question_kinds/weights.json and card.md)",
    )
    kinds.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, metavar="DIR")
    kinds.add_argument("--json", action="store_true", help="print the card as JSON")
    kinds.set_defaults(handler=cmd_fit_question_kinds)


def cmd_train_judges(args) -> int:
    from agent.judges import WEIGHTS_DIR
    from eval.judges.run import Options, dumps, summary, train_judges
    from eval.suites import SUITES

    missing = sorted({d for s in SUITES.values() for d in s.missing(args.data)})
    if missing:
        raise ClarionError(
            f"train-judges needs the data set(s) {', '.join(missing)} under {args.data}"
        )
    out_dir = args.out or WEIGHTS_DIR
    card = train_judges(
        Options(
            data_dir=args.data,
            out_dir=out_dir,
            cache_dir=args.cache,
            fresh=args.fresh,
            ablation=not args.no_ablation,
            progress=not args.quiet,
            se_probe=args.se_probe,
            llm_embedding=not args.no_llm_embedding,
        )
    )
    print(dumps(card) if args.json else summary(card, out_dir))
    return 0


def cmd_train_interpreter(args) -> int:
    from agent.interpreter import WEIGHTS_DIR
    from eval.adapters.interpreter import EPOCHS, Options, train_interpreter
    from eval.data import DATASETS

    missing = [n for n in ("ambignq", "ambient", "clamber") if not DATASETS[n].present(args.data)]
    if missing:
        raise ClarionError(f"train-adapters --family interpreter needs {missing} under {args.data}")
    opts = Options(data_dir=args.data, out_dir=args.out or WEIGHTS_DIR, progress=not args.quiet)
    opts.epochs = args.epochs or EPOCHS
    card = train_interpreter(opts)
    if args.json:
        print(json.dumps(card, indent=1, default=float))
    else:
        for name, c in card["test_nll"]["adapter"].items():
            b = card["test_nll"]["base"][name]
            print(
                f"{name:8s} test NLL adapter {c['value']:.3f} [{c['lo']:.3f}, {c['hi']:.3f}]"
                f"  base {b['value']:.3f}"
            )
        print(f"{card['seconds']} s; card: {opts.out_dir / 'card.md'}")
    return 0


def cmd_train_adapters(args) -> int:
    if args.family == "interpreter":
        return cmd_train_interpreter(args)
    from agent.adapters import WEIGHTS_DIR
    from eval.adapters.run import EPOCHS, Options, train_culture
    from eval.data import DATASETS

    if not DATASETS["globalopinionqa"].present(args.data):
        raise ClarionError(f"train-adapters needs globalopinionqa under {args.data}")
    opts = Options(data_dir=args.data, out_dir=args.out or WEIGHTS_DIR, progress=not args.quiet)
    if args.questions:
        opts.questions = dict(zip(("train", "dev", "test"), args.questions, strict=True))
    opts.epochs = args.epochs or EPOCHS
    card = train_culture(opts)
    if args.json:
        print(json.dumps(card, indent=1, default=float))
    else:
        for row in card["test"]["tables"][0]["rows"]:
            c = row[2]
            print(f"{row[0]:12s} JS {c['value']:.3f} [{c['lo']:.3f}, {c['hi']:.3f}]  (n={row[1]})")
        print(f"{card['seconds']} s; card: {opts.out_dir / 'card.md'}")
    return 0


def cmd_splits(args) -> int:
    from eval.splits import MANIFEST_PATH, build_manifest, write_manifest

    manifest = build_manifest(args.data)
    counts = {k: v["labels_per_split"] for k, v in manifest["datasets"].items()}
    committed = (
        json.loads(MANIFEST_PATH.read_text(encoding="utf-8")) if MANIFEST_PATH.is_file() else None
    )
    same = committed is not None and committed == json.loads(json.dumps(manifest))
    if args.write:
        write_manifest(manifest)
    if args.json:
        print(json.dumps({"counts": counts, "matches_committed": same}, indent=1))
    else:
        for name, per in counts.items():
            print(f"{name:16s} " + "  ".join(f"{s}: {sum(c.values())}" for s, c in per.items()))
        print(
            f"{MANIFEST_PATH}: "
            + ("matches the data" if same else "DIFFERS from the data")
            + (" (rewritten)" if args.write else "")
        )
    return 0


def cmd_fit_question_kinds(args) -> int:
    from eval.data import DATASETS
    from eval.question_kinds import fit, write
    from uncertainty import Embedder

    if not DATASETS["clamber"].present(args.data):
        print(f"skipped: CLAMBER is absent under {args.data}; pass --data DIR.")
        return 0
    model, card = fit(args.data, Embedder())
    path = write(model, card)
    if args.json:
        print(json.dumps(card, indent=1))
    else:
        acc = card["metrics"]["test"]["accuracy"]
        print(
            f"wrote {path} and card.md; test accuracy {acc['value']:.3f} "
            f"[{acc['lo']:.3f}, {acc['hi']:.3f}]"
        )
    return 0

"""`python -m agent perspectives list|review|accept|reject`: the operator's review of
proposed perspectives (agent.proposals). Proposals are voiced to nobody until accepted."""

from __future__ import annotations

import argparse
import getpass
import json
import textwrap
from typing import TYPE_CHECKING, Any

from agent.config import AgentConfig

if TYPE_CHECKING:
    from agent.proposals import Proposal

EXAMPLES = """examples:
  python -m agent perspectives list                 # every perspective and proposal
  python -m agent perspectives review               # pending proposals in full
  python -m agent perspectives accept care-farming
  python -m agent perspectives reject spam-id --reason "not a value position"
"""


def add_perspectives_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    parser = commands.add_parser(
        "perspectives",
        help="review proposed perspectives (operator)",
        description="List perspectives; review, accept or reject proposals made in the UI.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=("list", "review", "accept", "reject"))
    parser.add_argument("id", nargs="?", help="the proposal's id (accept, reject)")
    parser.add_argument("--reason", default="", help="why (kept with the decision)")
    parser.add_argument(
        "--db", metavar="PATH|URL", help="conversation database (SQLite file or postgresql://)"
    )
    parser.add_argument("--data-dir", metavar="DIR", help="data folder (its perspectives.yaml)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run_perspectives)


def run_perspectives(args: argparse.Namespace) -> int:
    from agent.cli_config import db_setting
    from agent.errors import InvalidInputError
    from agent.perspectives import load_registry, user_registry_path
    from agent.proposals import ProposalStore

    settings = {**db_setting(args.db), "data_dir": args.data_dir}
    config = AgentConfig.parse({k: v for k, v in settings.items() if v}, source="command line")
    registry_file = user_registry_path(config.data_folder)
    store = ProposalStore(config.database, registry_file)
    if args.action in ("accept", "reject"):
        if not args.id:
            raise InvalidInputError(f"`perspectives {args.action}` needs the proposal's id.")
        by = f"operator ({getpass.getuser()})"
        decided = store.decide(args.id, args.action == "accept", by, args.reason)
        print(f"{decided.id}: {decided.status} by {by}")
        return 0
    if args.action == "list":
        voiced = load_registry(registry_file)
        proposals = store.proposals()
        if args.json:
            print(
                json.dumps(
                    {
                        "voiced": [p.id for p in voiced],
                        "proposals": {p.id: p.status for p in proposals},
                    }
                )
            )
            return 0
        print(f"{len(voiced)} perspectives voiced:")
        for v in voiced:
            print(f"  {v.id:28} {v.family:20} {v.name}")
        print(f"{len(proposals)} proposals:")
        for p in proposals:
            print(f"  {p.id:28} {p.status:9} {p.supporters} supporters")
        return 0
    pending = store.proposals("pending")
    if args.json:
        print(json.dumps([_as_dict(p) for p in pending], ensure_ascii=False, indent=2))
        return 0
    if not pending:
        print("No proposals are waiting for review.")
    for p in pending:
        print(_describe(p))
    return 0


def _as_dict(proposal: Proposal) -> dict[str, Any]:
    return {
        **proposal.perspective.model_dump(mode="json"),
        "status": proposal.status,
        "proposer": proposal.proposer,
        "supporters": proposal.supporters,
        "created_at": proposal.created_at,
    }


def _describe(proposal: Proposal) -> str:
    p = proposal.perspective
    wrap = lambda text: textwrap.indent(textwrap.fill(text, 84), "    ")  # noqa: E731
    return "\n".join(
        [
            f"{p.id}  ({proposal.supporters} supporters; proposed by {proposal.proposer})",
            f"  name: {p.name!r}   tags: {', '.join(p.tags)}",
            f"  contributor: {p.provenance.contributor!r}   source: {p.provenance.source!r}",
            "  description:",
            wrap(repr(p.description)),
            "  prompt (placed before the question of every user it is picked for):",
            wrap(repr(p.prompt)),
            "",
        ]
    )

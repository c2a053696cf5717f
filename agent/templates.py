"""Prompt templates: every prompt is a file in prompts/, filled with string.Template.

`$name` placeholders are substituted strictly: a missing variable is a ConfigError
rather than a prompt silently sent with a hole in it. Ensemble members (prompt variants
that all fit one batched generate call) are listed in prompts/members.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from agent.config import PROMPTS_DIR, read_data_file
from agent.errors import ConfigError

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def template_path(name: str) -> Path:
    if not _NAME.match(name):
        raise ConfigError(f"Invalid template name {name!r}: use letters, digits, '-' or '_'.")
    return PROMPTS_DIR / f"{name}.txt"


def render(name: str, **vars: object) -> str:
    """prompts/<name>.txt with its $variables filled; trailing newlines removed."""
    path = template_path(name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"Prompt template not found: {path}") from None
    try:
        return Template(text).substitute({k: str(v) for k, v in vars.items()}).rstrip("\n")
    except KeyError as exc:
        raise ConfigError(
            f"Prompt template {path.name} needs variable ${exc.args[0]}, which was not given."
        ) from None
    except ValueError as exc:
        raise ConfigError(f"Prompt template {path.name} is malformed: {exc}") from None


def fold(request: str, addition: str) -> str:
    """The request with the user's free-text addition folded in (prompts/clarified.txt,
    "request (addition)"). The one definition of that shape: a typed clarify reply
    (agent.nodes.respond.fold_reply) and a follow-up read in its thread (agent.judges,
    in_thread) are folded alike, and the judges are trained on rows of that shape."""
    return render("clarified", request=request, reply=addition)


@dataclass(frozen=True)
class Member:
    """An ensemble member: a prompt variant whose instruction joins the system prompt."""

    id: str
    description: str
    template: str

    def system_prompt(self, base_template: str = "system", **vars: object) -> str:
        """The profile's system prompt followed by this member's instruction."""
        return render(base_template, **vars) + "\n" + render(self.template, **vars)


def load_members(path: Path | None = None) -> list[Member]:
    """The ensemble members from prompts/members.yaml (ids unique, templates present)."""
    path = path or PROMPTS_DIR / "members.yaml"
    data = read_data_file(path)
    entries = data.get("members") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected a non-empty list under 'members'.")
    members: list[Member] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) and entry[k] for k in ("id", "description", "template")
        ):
            raise ConfigError(
                f"{path}: member {i} needs non-empty 'id', 'description' and 'template' strings."
            )
        if not template_path(entry["template"]).is_file():
            raise ConfigError(
                f"{path}: member {i} (id {entry['id']!r}): field 'template': "
                f"no template prompts/{entry['template']}.txt"
            )
        if any(m.id == entry["id"] for m in members):
            raise ConfigError(f"{path}: member {i}: duplicate id {entry['id']!r}.")
        members.append(Member(entry["id"], entry["description"], entry["template"]))
    return members

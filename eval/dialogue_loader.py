"""Scripted dialogues (eval/dialogues/*.yaml), validated with pydantic.

A malformed file fails loudly with the file and line of the offending node, found by
walking PyYAML's composed node tree along the pydantic error location.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agent.errors import ConfigError
from agent.policy import Move
from eval.paths import DIALOGUES_DIR


class DialogueError(ConfigError):
    """A dialogue file is malformed; the message names the file and line."""


class Turn(BaseModel):
    """One user turn: a new message (`user`) or the reply to a clarifying question (`reply`)."""

    model_config = ConfigDict(extra="forbid")
    user: str | None = None
    reply: str | None = None
    expect: list[Move] = Field(min_length=1)
    note: str = ""

    @model_validator(mode="after")
    def _one_text(self) -> Turn:
        if (self.user is None) == (self.reply is None):
            raise ValueError("a turn needs exactly one of 'user' or 'reply'")
        if not (self.user or self.reply or "").strip():
            raise ValueError("the turn's text is empty")
        return self

    @property
    def text(self) -> str:
        return self.user if self.user is not None else self.reply  # type: ignore[return-value]

    @property
    def primary(self) -> str:
        """The first expected move: the row of the confusion matrix."""
        return self.expect[0]


class Dialogue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    why: str = ""
    tags: list[str] = []
    turns: list[Turn] = Field(min_length=1)
    source: str = ""  # file:line, filled by the loader

    @model_validator(mode="after")
    def _reply_follows_clarify(self) -> Dialogue:
        for i, turn in enumerate(self.turns):
            if turn.reply is not None and (i == 0 or "clarify" not in self.turns[i - 1].expect):
                raise ValueError(f"turn {i}: a 'reply' must follow a turn that expects clarify")
        return self


class DialogueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dialogues: list[Dialogue] = Field(min_length=1)


def _line_of(node: yaml.Node | None, loc: tuple) -> int | None:
    """1-based line of the deepest node along a pydantic error location."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            if nxt is None:
                break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


def load_file(path: Path) -> list[Dialogue]:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where_yaml = mark.line + 1 if mark else "?"
        raise DialogueError(f"{path}:{where_yaml}: invalid YAML: {exc.problem or exc}") from exc
    try:
        parsed = DialogueFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        line = _line_of(node, tuple(err["loc"]))
        where = ".".join(str(p) for p in err["loc"]) or "top level"
        raise DialogueError(f"{path}:{line}: {where}: {err['msg']}") from exc
    out = []
    for i, dialogue in enumerate(parsed.dialogues):
        line = _line_of(node, ("dialogues", i))
        out.append(dialogue.model_copy(update={"source": f"{path.name}:{line}"}))
    return out


def load_dialogues(folder: Path | None = None) -> list[Dialogue]:
    """All dialogues of all *.yaml files in the folder; ids must be unique."""
    dialogues: list[Dialogue] = []
    seen: dict[str, str] = {}
    for path in sorted(Path(folder or DIALOGUES_DIR).glob("*.yaml")):
        for d in load_file(path):
            if d.id in seen:
                raise DialogueError(f"{path}: dialogue id '{d.id}' already used in {seen[d.id]}")
            seen[d.id] = d.source
            dialogues.append(d)
    return dialogues

"""Agent settings, validated once, with errors that name the file and the field.

Also home of the small helpers every data-file loader shares (profiles, perspectives):
where the shipped `prompts/` folder and the user's data folder are, and how a YAML/JSON
file or a pydantic validation failure becomes a ConfigError a person can act on.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from agent.db import is_postgres_url
from agent.errors import ConfigError
from agent.llm import BackendName
from agent.llm.loading import Quantize
from agent.llm.stopping import SampleStop

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
"""The shipped prompt templates, perspective registry and context profiles."""

DATA_DIR_ENV = "CLARION_DATA_DIR"
CONFIG_ENV = "CLARION_CONFIG"
DB_FILENAME = "clarion.sqlite"


def default_data_dir() -> Path:
    """$CLARION_DATA_DIR if set, else the platform's user data folder for clarion."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("clarion"))


def read_data_file(path: Path | str) -> Any:
    """Parse a YAML or JSON file; unreadable or malformed files raise ConfigError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}).") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        detail = " ".join(str(exc).split())
        raise ConfigError(f"{path}: not valid {_kind(path)} ({detail}).") from None


def _kind(path: Path) -> str:
    return "JSON" if path.suffix.lower() == ".json" else "YAML"


def describe_validation_error(exc: ValidationError) -> str:
    """`field 'a.b': message; field 'c': message` — short, no pydantic URLs."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"field '{loc}': {err['msg']}")
    return "; ".join(parts)


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError("use lowercase letters, digits and '-' (e.g. 'care-ethics')")
    return value


Slug = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_slug)]
"""An id users type into YAML files (perspectives, facets): short, lowercase, hyphenated."""

Entry = TypeVar("Entry", bound=BaseModel)


def entry_label(entry: Any, index: int | None) -> str:
    where = f"entry {index}" if index is not None else "entry"
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        return f"{where} (id '{entry['id']}')"
    return where


def parse_entry(
    model: type[Entry], entry: Any, index: int | None, source: str, fields: str
) -> Entry:
    """One entry of a user-editable list (perspectives, facets) as `model`, or a ConfigError
    naming the file, the entry (index and id) and the field; `fields` lists the keys."""
    prefix = f"{source}: " if source else ""
    if not isinstance(entry, dict):
        raise ConfigError(f"{prefix}{entry_label(entry, index)}: expected a mapping with {fields}.")
    try:
        return model.model_validate(entry)
    except ValidationError as exc:
        raise ConfigError(
            f"{prefix}{entry_label(entry, index)}: {describe_validation_error(exc)}"
        ) from None


def validate_unique_entries(
    model: type[Entry], entries: list[Any], source: Path | str, taken: dict[str, str], fields: str
) -> list[Entry]:
    """Every entry of one file; `taken` maps the ids seen so far (in any file) to their
    file, so a duplicate names where the id was first defined."""
    out = []
    for i, entry in enumerate(entries):
        item = parse_entry(model, entry, i, str(source), fields)
        item_id = str(getattr(item, "id"))  # noqa: B009 -- every Entry model has an id
        if item_id in taken:
            raise ConfigError(
                f"{source}: {entry_label(entry, i)}: field 'id': duplicate id, "
                f"already defined in {taken[item_id]}."
            )
        taken[item_id] = str(source)
        out.append(item)
    return out


class AgentConfig(BaseModel):
    """Everything a turn needs to know besides the message. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    model: str | None = None
    quantize: Quantize = "none"
    backend: BackendName = Field(
        "auto",
        description="auto: openai when base_url is set; else llama.cpp for a GGUF file on a "
        "CPU (faster there), else transformers",
    )
    base_url: str | None = Field(
        None,
        description="an OpenAI-compatible server (http://host:port/v1); `model` is then the "
        "served model's name (None: the one it serves). Its API key comes from "
        "$CLARION_API_KEY or $OPENAI_API_KEY",
    )
    threads: int | None = Field(
        None, ge=1, le=256, description="CPU threads for the model (None: the backend's choice)"
    )
    context: str = Field("general", min_length=1)
    samples: int = Field(4, ge=1, le=32, description="answers per cell")
    readings: int = Field(3, ge=1, le=8, description="max readings K of the request")
    perspectives: int = Field(4, ge=2, le=8, description="max perspectives voiced")
    perspective_samples: int = Field(
        2,
        ge=1,
        le=32,
        description="answers per perspective in an adaptive turn the judges already send to "
        "perspectives (the move is decided: the samples only pick each perspective's modal "
        "position and give its share); at most `samples`. Full mode draws `samples`",
    )
    max_new_tokens: int = Field(48, ge=1, le=4096, description="token budget of each sample")
    answer_tokens: int = Field(
        256,
        ge=1,
        le=4096,
        description="cap on a shown answer, hedge or perspective: the sample shown is "
        "continued past max_new_tokens to where the model ends it, up to this many tokens",
    )
    adaptive: bool = Field(
        True,
        description="route on the learned judges first (agent.nodes.probe): a turn whose "
        "move is 'answer' is answered greedily with no samples, others sample only the "
        "cells their move needs; False = full mode, every cell sampled",
    )
    interpreter: bool = Field(
        True,
        description="the interpret step's readings come from the interpreter LoRA "
        "(agent/interpreter.py) when it is trained and the model is the embedded default; "
        "False = the model prompted alone",
    )
    sample_rounds: bool = Field(
        False,
        description="adaptive N (with adaptive): draw each cell's samples in rounds and stop "
        "once its meaning clusters settle (uncertainty.settling). It saves samples, not "
        "time, on the CPU llama.cpp backend: a seeded round re-prefills its prompts and a "
        "decode step costs about the same for 8 sequences as for 16, so two rounds took "
        "~2x one batch (eval bench, 2026-12-01); worth it where cost grows with the batch",
    )
    temperature: float = Field(0.7, gt=0.0, le=5.0)
    top_p: float = Field(0.9, gt=0.0, le=1.0)
    seed: int | None = 0
    timeout_s: float = Field(120.0, gt=0.0)
    # Speed (issue 8, measured by `python -m eval bench`): a batched generate runs until
    # its longest sample ends. straggler_factor: once half the samples ended after s
    # tokens, cut the rest at factor * s (0 = off). sample_stop: end each sample at its
    # first line or sentence ("none" = at EOS only).
    straggler_factor: float = Field(1.5, ge=0.0, le=10.0)
    sample_stop: SampleStop = "none"
    db_path: Path | None = None
    db_url: str | None = Field(
        None,
        description="postgresql://user@host:port/dbname: conversations and participation "
        "in PostgreSQL instead of the SQLite file db_path (several processes can share it)",
    )
    data_dir: Path | None = None

    @field_validator("db_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is not None and not is_postgres_url(value):
            raise ValueError("must start with postgresql:// (a SQLite file goes in db_path)")
        return value

    @model_validator(mode="after")
    def _straggler_off_or_at_least_one(self) -> AgentConfig:
        if 0.0 < self.straggler_factor < 1.0:
            raise ValueError("straggler_factor must be 0 (off) or at least 1")
        return self

    @model_validator(mode="after")
    def _default_paths(self) -> AgentConfig:
        # Filled here so every consumer sees concrete paths; db follows data_dir unless set.
        # object.__setattr__ avoids re-running validation (validate_assignment) recursively.
        data_dir = (self.data_dir or default_data_dir()).expanduser()
        object.__setattr__(self, "data_dir", data_dir)
        db = self.db_path.expanduser() if self.db_path else data_dir / DB_FILENAME
        object.__setattr__(self, "db_path", db)
        return self

    @model_validator(mode="after")
    def _openai_needs_a_url(self) -> AgentConfig:
        if self.backend == "openai" and not self.base_url:
            raise ValueError("backend 'openai' needs base_url (http://host:port/v1)")
        return self

    @property
    def database(self) -> str | Path:
        """Where conversations and participation live: db_url if set, else db_path."""
        return self.db_url or self.db_file

    @property
    def data_folder(self) -> Path:
        """data_dir, which validation always fills (the user data folder by default)."""
        assert self.data_dir is not None
        return self.data_dir

    @property
    def db_file(self) -> Path:
        """db_path, which validation always fills (clarion.sqlite in data_dir by default)."""
        assert self.db_path is not None
        return self.db_path

    @classmethod
    def parse(cls, data: Any, source: str = "configuration") -> AgentConfig:
        """Validate a mapping; failures raise ConfigError naming `source` and the field."""
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(
                f"{source}: expected a mapping of settings, got {type(data).__name__}."
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{source}: {describe_validation_error(exc)}") from None

    @classmethod
    def load(cls, path: Path | str) -> AgentConfig:
        """Read settings from a .yaml/.yml or .json file."""
        path = Path(path)
        return cls.parse(read_data_file(path), source=str(path))

    @classmethod
    def from_env(cls) -> AgentConfig:
        """The settings file named by $CLARION_CONFIG, else the defaults (for servers that
        build the graph themselves: `langgraph dev`)."""
        path = os.environ.get(CONFIG_ENV)
        return cls.load(path) if path else cls()

    def updated(self, **changes: Any) -> AgentConfig:
        """A validated copy with `changes` applied (ConfigError naming the field if bad).

        If data_dir changes and db_path does not, the database follows the new data_dir.
        """
        data = self.model_dump()
        if (
            "data_dir" in changes
            and "db_path" not in changes
            and self.db_path == self.data_folder / DB_FILENAME
        ):
            data["db_path"] = None
        data.update(changes)
        return type(self).parse(data, source="settings")

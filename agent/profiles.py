"""Context profiles: where Clarion is deployed decides how cautious it is.

A profile holds one threshold per uncertainty component (never one scalar), the cap on
clarifying rounds and the moves allowed there. Shipped profiles live in
prompts/contexts/; profiles fitted by `python -m eval calibrate` are written to
<data_dir>/contexts/ and take precedence over a shipped profile of the same name.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from agent.config import PROMPTS_DIR, default_data_dir, describe_validation_error, read_data_file
from agent.errors import ConfigError
from agent.policy import Move
from uncertainty.report import COMPONENT_NAMES, ComponentName

CONTEXTS_DIR = PROMPTS_DIR / "contexts"
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_SUFFIXES = (".yaml", ".yml", ".json")


Thresholds = dict[ComponentName, Annotated[float, Field(ge=0.0)]]
"""Per-component thresholds (every component), in the unit of the estimator that produces
the component (uncertainty.report.Component.unit): ambiguity, value_conflict and epistemic
are the learned judges' probabilities, semantic_entropy is sampled, in nats, and never
routes (agent.policy). A move triggers when value >= its threshold."""


class ContextProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    thresholds: Thresholds
    max_clarify_rounds: int = Field(ge=0, le=10)
    allowed_moves: set[Move]
    system_prompt: str = Field("system", description="template name in prompts/")
    proposal_supporters: int = Field(
        0,
        ge=0,
        le=10_000,
        description="distinct supporters that accept a proposed perspective (0: only the "
        "operator accepts, `python -m agent perspectives accept ID`)",
    )

    @model_validator(mode="before")
    @classmethod
    def _retired_fields(cls, data: object) -> object:
        # normative_threshold gated perspectives before the contested judge did (issue 14);
        # a profile fitted then still loads: the value_conflict threshold decides now.
        if isinstance(data, dict) and "normative_threshold" in data:
            data = {k: v for k, v in data.items() if k != "normative_threshold"}
        return data

    @field_validator("thresholds")
    @classmethod
    def _every_component(cls, thresholds: Thresholds) -> Thresholds:
        missing = [c for c in COMPONENT_NAMES if c not in thresholds]
        if missing:
            raise ValueError(f"missing a threshold for {', '.join(missing)}")
        return {c: thresholds[c] for c in COMPONENT_NAMES}

    @field_validator("allowed_moves")
    @classmethod
    def _answer_allowed(cls, moves: set[Move]) -> set[Move]:
        # The policy falls back to answer; a profile without it could leave a turn moveless.
        if "answer" not in moves:
            raise ValueError("must include 'answer' (the fallback move)")
        return moves

    @field_validator("system_prompt")
    @classmethod
    def _template_exists(cls, name: str) -> str:
        if not _NAME.match(name) or not (PROMPTS_DIR / f"{name}.txt").is_file():
            raise ValueError(f"no template prompts/{name}.txt")
        return name


def _user_contexts(data_dir: Path | None) -> Path:
    return (data_dir or default_data_dir()) / "contexts"


def _files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in _SUFFIXES}


def list_profiles(data_dir: Path | None = None) -> list[str]:
    """Names of shipped profiles plus fitted/user ones in <data_dir>/contexts/, sorted."""
    return sorted(_files(CONTEXTS_DIR).keys() | _files(_user_contexts(data_dir)).keys())


def load_profile(name_or_path: str | Path, data_dir: Path | None = None) -> ContextProfile:
    """A profile by name (user folder first, then shipped) or by file path."""
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or not _NAME.match(text):
        return _load_file(Path(text).expanduser())
    for folder in (_user_contexts(data_dir), CONTEXTS_DIR):
        path = _files(folder).get(text)
        if path is not None:
            return _load_file(path)
    known = ", ".join(list_profiles(data_dir)) or "none"
    raise ConfigError(f"Unknown context profile '{text}'. Available: {known}.")


def _load_file(path: Path) -> ContextProfile:
    data = read_data_file(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with the profile's fields.")
    data.setdefault("name", path.stem)
    try:
        return ContextProfile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc)}") from None


def save_profile(profile: ContextProfile, path: Path, comment: str = "") -> Path:
    """Write a profile as YAML (used by `eval calibrate` for fitted thresholds)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = profile.model_dump(mode="json")
    data["allowed_moves"] = sorted(profile.allowed_moves)
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(header + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    tmp.replace(path)
    return path

"""The allowlist: which playbooks remediate may run, with typed parameters.

``playbooks/catalog.yaml`` is data, validated on load. Anything inconsistent
(an unknown key, a parameter without a type, a missing playbook file, a
playbook that fails ``ansible-playbook --syntax-check``) fails loudly with
:class:`CatalogError`. Parameter validation is pure and used by the guard.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from remediate.errors import CatalogError
from remediate.models import ParamValue


class Risk(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(Strict):
    """A typed parameter. ``type`` is mandatory: an untyped parameter fails loading."""

    type: Literal["string", "integer", "boolean"]
    description: str
    required: bool = True
    default: ParamValue | None = None
    enum: list[str] | None = None
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    not_in: list[str] = Field(default_factory=list)
    """Values always refused, whatever the inventory says."""
    inventory: Literal["services", "killable"] | None = None
    """The value must be listed under this key of the target host in the inventory: an
    allowlist per host (``services`` that may be restarted, ``killable`` processes)."""

    @model_validator(mode="after")
    def _constraints_fit_type(self) -> Parameter:
        if self.type == "string" and self.enum is None and self.pattern is None:
            raise ValueError("a string parameter needs an enum or a pattern")
        if self.type != "string" and (self.enum or self.pattern or self.not_in):
            raise ValueError("enum/pattern/not_in apply to string parameters only")
        if self.type != "integer" and (self.minimum is not None or self.maximum is not None):
            raise ValueError("minimum/maximum apply to integer parameters only")
        if self.type == "integer" and (self.minimum is None or self.maximum is None):
            raise ValueError("an integer parameter needs minimum and maximum")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"invalid pattern: {exc}") from exc
        return self

    def check(self, name: str, value: ParamValue) -> list[str]:
        """Problems with ``value``; an empty list means valid."""
        if self.type == "boolean":
            return [] if isinstance(value, bool) else [f"{name}: expected a boolean"]
        if self.type == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                return [f"{name}: expected an integer"]
            assert self.minimum is not None and self.maximum is not None
            if not self.minimum <= value <= self.maximum:
                return [f"{name}: {value} outside {self.minimum}..{self.maximum}"]
            return []
        if not isinstance(value, str):
            return [f"{name}: expected a string"]
        problems = []
        if self.enum is not None and value not in self.enum:
            problems.append(f"{name}: {value!r} not one of {self.enum}")
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            problems.append(f"{name}: {value!r} does not match {self.pattern}")
        if value.lower() in {p.lower() for p in self.not_in}:
            problems.append(f"{name}: {value!r} is protected and may never be targeted")
        return problems


class Verify(Strict):
    """How the fix is confirmed: a read-only verification playbook that fails unless it holds."""

    playbook: str
    params: list[str] = Field(default_factory=list)
    """Which of the action's parameters the verification playbook receives."""
    outputs: list[str] = Field(default_factory=list)
    """Values the write playbook reports in its ``Outputs`` task that the verification
    playbook receives too (``kill_process``: the PIDs it signalled)."""
    description: str


class Action(Strict):
    id: str
    description: str
    read_only: bool
    risk: Risk
    playbook: str
    check_mode: bool
    """The playbook supports ``--check --diff`` (a meaningful dry run)."""
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    verify: Verify | None = None
    timeout: int = Field(default=300, ge=10, le=3600)

    @model_validator(mode="after")
    def _write_actions_are_verified(self) -> Action:
        if not self.read_only and self.verify is None:
            raise ValueError("a write action needs a verify section")
        if not self.read_only and self.risk is Risk.NONE:
            raise ValueError("a write action cannot have risk none")
        if self.verify is not None:
            unknown = set(self.verify.params) - set(self.parameters)
            if unknown:
                raise ValueError(f"verify passes unknown parameters {sorted(unknown)}")
        return self

    def validate_params(self, params: Mapping[str, ParamValue]) -> list[str]:
        """Problems with a full parameter set (unknown, missing, out of range)."""
        problems = [f"unknown parameter {k!r}" for k in params if k not in self.parameters]
        for name, spec in self.parameters.items():
            if name in params:
                problems.extend(spec.check(name, params[name]))
            elif spec.required and spec.default is None:
                problems.append(f"missing parameter {name!r}")
        return problems

    def with_defaults(self, params: Mapping[str, ParamValue]) -> dict[str, ParamValue]:
        merged = {k: v.default for k, v in self.parameters.items() if v.default is not None}
        merged.update(params)
        return merged


class CatalogFile(Strict):
    version: Literal[1]
    actions: dict[str, Action]

    @field_validator("actions", mode="before")
    @classmethod
    def _inject_ids(cls, raw: object) -> object:
        if isinstance(raw, dict):
            return {k: {"id": k, **v} if isinstance(v, dict) else v for k, v in raw.items()}
        return raw


class Catalog:
    """The loaded allowlist, with the directory its playbooks live in."""

    def __init__(self, actions: Mapping[str, Action], directory: Path) -> None:
        self.actions = dict(actions)
        self.directory = directory

    def get(self, action_id: str) -> Action:
        try:
            return self.actions[action_id]
        except KeyError:
            raise CatalogError(f"{action_id!r} is not in the catalog") from None

    def __contains__(self, action_id: object) -> bool:
        return action_id in self.actions

    def read_only(self) -> list[Action]:
        return [a for a in self.actions.values() if a.read_only]

    def writes(self) -> list[Action]:
        return [a for a in self.actions.values() if not a.read_only]

    def playbook_path(self, playbook: str) -> Path:
        return self.directory / playbook

    def digest(self, action_id: str) -> str:
        """Content hash of the action's playbook: an approval binds to it."""
        data = self.playbook_path(self.get(action_id).playbook).read_bytes()
        return hashlib.sha256(data).hexdigest()


def load_catalog(path: Path | str, *, syntax_check: bool = True) -> Catalog:
    """Load and validate ``catalog.yaml``; raise :class:`CatalogError` on any inconsistency."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"cannot read catalog {path}: {exc}") from exc
    try:
        parsed = CatalogFile.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(f"invalid catalog {path}:\n{exc}") from exc
    directory = path.parent
    playbooks = set()
    for action in parsed.actions.values():
        playbooks.add(action.playbook)
        if action.verify is not None:
            playbooks.add(action.verify.playbook)
    for playbook in sorted(playbooks):
        file = directory / playbook
        if not file.is_file():
            raise CatalogError(f"catalog names a missing playbook: {file}")
    if syntax_check:
        _syntax_check([directory / p for p in sorted(playbooks)])
    return Catalog(parsed.actions, directory)


def _syntax_check(files: list[Path]) -> None:
    executable = shutil.which("ansible-playbook")
    if executable is None:
        raise CatalogError("ansible-playbook is not on PATH (is the virtualenv's bin/ on PATH?)")
    proc = subprocess.run(
        [
            executable,
            "--syntax-check",
            "-i",
            "localhost,",
            "-e",
            "target=localhost",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise CatalogError(f"playbook syntax check failed:\n{proc.stdout}{proc.stderr}")

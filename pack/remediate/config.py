"""Configuration: one YAML file, with the environment overriding it.

Lookup order for the file: an explicit path, ``$REMEDIATE_CONFIG``, then
``./remediate.yaml``; without a file the embedded defaults apply (SQLite,
LanceDB and the outbox under ``.remediate/`` of the project root). The LLM
settings follow the OpenAI conventions: ``OPENAI_BASE_URL``,
``OPENAI_API_KEY`` and ``REMEDIATE_LLM_MODEL`` override the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from remediate import config_file
from remediate.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The repository (and StackStorm pack) root: ``pack/remediate/`` lives two levels down."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMSettings(Section):
    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    timeout: float = Field(default=60.0, gt=0, le=600)
    max_steps: int = Field(default=6, ge=1, le=20)
    """Tool-calling rounds before the model must answer without tools."""
    max_retries: int = Field(default=2, ge=0, le=5)
    """Invalid final answers sent back to the model with the validation error."""


class EmbeddingSettings(Section):
    """Dense vectors for hybrid retrieval; ``none`` keeps full-text (BM25) search only.

    ``auto`` (the default) uses the local sentence-transformers model when the
    ``embeddings`` extra is installed and full-text search otherwise: hybrid
    measured better (benchmarks/results/retrieval_quality.md) and costs a model load.
    """

    provider: Literal["auto", "none", "openai", "sentence-transformers"] = "auto"
    model: str = "all-MiniLM-L6-v2"
    """A sentence-transformers name or path, or the endpoint's model name."""
    base_url: str | None = None
    api_key: SecretStr | None = None
    timeout: float = Field(default=30.0, gt=0, le=600)
    batch_size: int = Field(default=64, ge=1, le=2048)


class ApprovalSettings(Section):
    """Who may approve, and how many. Empty ``users`` and ``roles`` mean nobody may approve
    (proposals escalate instead), never everybody."""

    users: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    identities: dict[str, str] = Field(default_factory=dict)
    """Operating-system login → approver name, for the CLI (a login not listed is its own
    approver name)."""
    break_glass: bool = False
    """Allow ``--as NAME`` on the CLI: an override recorded on the timeline as such."""
    policy: dict[str, int] = Field(default_factory=lambda: {"low": 1, "medium": 1, "high": 2})
    """Distinct approvers needed per catalog risk level (``low``, ``medium``, ``high``)."""
    four_eyes: bool = False
    """Whoever started a manual investigation may not approve its proposal."""

    @field_validator("policy")
    @classmethod
    def _policy_levels(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = set(value) - {"low", "medium", "high"}
        if unknown:
            raise ValueError(f"policy names unknown risk levels {sorted(unknown)}")
        if any(not 1 <= n <= 10 for n in value.values()):
            raise ValueError("policy approver counts must be between 1 and 10")
        return value

    route: str = "remediate"
    ttl: int = Field(default=60, ge=1, le=60 * 24 * 30)
    """Minutes before an unanswered inquiry times out."""
    role_members: dict[str, list[str]] = Field(default_factory=dict)
    """Who holds each role named in ``roles`` (StackStorm takes this from RBAC)."""


class IntakeSettings(Section):
    max_alerts: int = Field(default=50, ge=1, le=10_000)
    """Alerts investigated from one payload; the rest are reported as one storm escalation."""


class SanitizerSettings(Section):
    allow: list[str] = Field(default_factory=list)
    internal_domains: list[str] = Field(
        default_factory=lambda: ["internal", "local", "lan", "corp", "example.com"]
    )


class Settings(Section):
    catalog: Path = PROJECT_ROOT / "playbooks" / "catalog.yaml"
    inventory: Path = PROJECT_ROOT / "playbooks" / "inventory.yaml"
    kb: Path = PROJECT_ROOT / "kb"
    state_dir: Path = PROJECT_ROOT / ".remediate"
    planner: Literal["offline", "llm"] = "offline"
    gather: list[str] = Field(
        default_factory=lambda: ["service_status", "collect_logs", "check_disk", "check_memory"]
    )
    run_timeout: int = Field(default=300, ge=10, le=3600)
    learned: Path | None = None
    """Where closed incidents become tickets (default ``<state_dir>/learned``): never kb/."""
    llm: LLMSettings = Field(default_factory=LLMSettings)
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    approval: ApprovalSettings = Field(default_factory=ApprovalSettings)
    sanitizer: SanitizerSettings = Field(default_factory=SanitizerSettings)
    intake: IntakeSettings = Field(default_factory=IntakeSettings)

    @property
    def database(self) -> Path:
        return self.state_dir / "remediate.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.state_dir / "lancedb"

    @property
    def learned_dir(self) -> Path:
        return self.learned or self.state_dir / "learned"

    @property
    def outbox(self) -> Path:
        return self.state_dir / "outbox"

    @property
    def runs_dir(self) -> Path:
        return self.state_dir / "runs"


def load_settings(
    path: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    env = os.environ if env is None else env
    file = config_file.find(path, env)
    data: dict[str, object] = {}
    if file is not None:
        data = _relative_to(config_file.read(file), file.parent)
    data.update(overrides or {})
    llm = dict(data.get("llm") or {})  # type: ignore[call-overload]
    for key, var in (
        ("base_url", "OPENAI_BASE_URL"),
        ("api_key", "OPENAI_API_KEY"),
        ("model", "REMEDIATE_LLM_MODEL"),
    ):
        if env.get(var):
            llm[key] = env[var]
    data["llm"] = llm
    embeddings = dict(data.get("embeddings") or {})  # type: ignore[call-overload]
    for key in ("provider", "model", "base_url", "api_key"):
        var = f"REMEDIATE_EMBEDDINGS_{key.upper()}"
        if env.get(var):
            embeddings[key] = env[var]
    data["embeddings"] = embeddings
    if env.get("REMEDIATE_PLANNER"):
        data["planner"] = env["REMEDIATE_PLANNER"]
    if env.get("REMEDIATE_STATE_DIR"):
        data["state_dir"] = env["REMEDIATE_STATE_DIR"]
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration:\n{exc}") from exc


def settings_from_mapping(data: Mapping[str, object], *, base: Path = PROJECT_ROOT) -> Settings:
    """Settings from a configuration someone else parsed: StackStorm's pack config.

    The keys are those of the YAML file; ``None`` means "not set" (StackStorm fills keys
    the operator left out with ``None``). Relative paths are relative to ``base``, the pack
    directory, because a pack config file lives elsewhere (``/opt/stackstorm/configs``).
    The environment is not consulted: in StackStorm the pack config is the one source.
    """
    try:
        return Settings.model_validate(_relative_to(_without_none(data), base))
    except ValidationError as exc:
        raise ConfigError(f"invalid pack configuration:\n{exc}") from exc


def _without_none(data: Mapping[str, object]) -> dict[str, object]:
    return {
        key: _without_none(value) if isinstance(value, Mapping) else value
        for key, value in data.items()
        if value is not None
    }


def _relative_to(data: Mapping[str, object], base: Path) -> dict[str, object]:
    """Paths in a configuration file are relative to that file."""
    out = dict(data)
    for key in ("catalog", "inventory", "kb", "state_dir", "learned"):
        value = out.get(key)
        if isinstance(value, str) and not Path(value).is_absolute():
            out[key] = str((base / value).resolve())
    return out

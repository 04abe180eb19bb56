"""Configuration: one YAML file, with the environment overriding it.

Lookup order for the file: an explicit path, ``$REMEDIATE_CONFIG``, then
``./remediate.yaml``; without a file the embedded defaults apply (SQLite,
LanceDB and the outbox under ``.remediate/`` of the project root). The LLM
settings follow the OpenAI conventions: ``OPENAI_BASE_URL``,
``OPENAI_API_KEY`` and ``REMEDIATE_LLM_MODEL`` override the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

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
    protocol: Literal["auto", "json_schema", "json_object_schema", "tools", "prompt"] = "auto"
    """How to ask the endpoint for structured output (remediate.llm_protocol): ``auto`` probes
    once per endpoint, best first: ``json_schema`` (OpenAI's ``response_format``),
    ``json_object_schema`` (``json_object`` plus ``schema``, llama.cpp's grammar), ``tools``
    (one function named in ``tool_choice``), ``prompt`` (plain text asked to be JSON)."""
    system_role: Literal["auto", "system", "user"] = "auto"
    """Where the instructions go: a ``system`` message, or the start of the ``user`` turn
    (some chat formats, e.g. Gemma's, drop system messages). ``auto`` is ``system`` only for an
    endpoint that passed the ``json_schema`` probe (the full OpenAI API), ``user`` otherwise."""
    max_tokens: int = Field(default=1024, ge=16, le=32768)
    """Upper bound on one answer's length; a structured answer cut at it is a failed attempt."""
    max_citations: int = Field(default=10, ge=1, le=50)
    """Retrieved citations shown to the model, best first; it may cite only those."""
    max_observation_chars: int = Field(default=6000, ge=200, le=100_000)
    """Each observation is cut to this many characters (a small model's context is short)."""


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


class ServerSettings(Section):
    """``remediate serve``: where it listens and who may call it."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    workers: int = Field(default=2, ge=0, le=64)
    """Investigations running at once in the server process (0: accept and queue only)."""
    max_body: int = Field(default=5_000_000, ge=1024, le=50_000_000)
    """Largest request body accepted, in bytes (larger: 413)."""
    public_url: str | None = None
    """Where people reach this service (behind its TLS proxy), for links in notifications:
    ``{public_url}/incidents/{id}``; by default ``http://{host}:{port}``. An https URL makes
    the review page's cookies Secure."""
    tokens: dict[str, str] = Field(default_factory=dict)
    """Bearer tokens: the lowercase hex SHA-256 of each token → the name it authenticates
    (the responder for approvals). The tokens themselves are never stored."""
    signature_secret_file: Path | None = None
    """A file holding a shared secret: when set, ``POST /api/v1/alerts`` also needs the header
    ``X-Remediate-Signature: sha256=<hex HMAC-SHA256 of the raw body>``. The secret stays in
    that file (mode 0600, like Alertmanager's ``credentials_file``), never in this one."""
    host_cooldown: float = Field(default=30.0, ge=0, le=86_400)
    """Seconds after an investigation of a host before the next one of the same host starts."""
    retry_attempts: int = Field(default=5, ge=1, le=100)
    """Tries of an alert body whose investigation failed transiently (storage, planner)."""
    retry_backoff: float = Field(default=5.0, ge=0, le=3600)
    """Seconds before the first retry; doubled for each further one (at most an hour)."""
    log_format: Literal["json", "text"] = "json"
    """``json``: one JSON object per line on standard error (no secrets, no bodies)."""

    def incident_url(self, incident_id: str) -> str:
        base = self.public_url or f"http://{self.host}:{self.port}"
        return f"{base.rstrip('/')}/incidents/{incident_id}"

    @field_validator("tokens")
    @classmethod
    def _hashes(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [h for h in value if not re.fullmatch(r"[0-9a-f]{64}", h)]
        if bad:
            raise ValueError("server.tokens keys must be lowercase hex SHA-256 digests")
        return value

    users: dict[str, str] = Field(default_factory=dict)
    """Review page sign-in: user name → argon2 hash of the password (``remediate
    hash-password``). The name is the responder of the approvals given on the page."""
    session_secret: SecretStr | None = None
    """Key that signs session cookies (``$REMEDIATE_SESSION_SECRET`` or
    ``session_secret_file`` override it). Unset: a random key per process, so every
    restart signs everybody out."""
    session_secret_file: Path | None = None
    """A file holding the session key (for a secret kept out of the configuration)."""
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    """How long a sign-in lasts."""
    trusted_header: str | None = None
    """A header (e.g. ``X-Remote-User``) a reverse proxy sets to the signed-in user; accepted
    only from ``trusted_proxies``."""
    trusted_proxies: list[str] = Field(default_factory=list)
    """Addresses or networks (CIDR) whose ``trusted_header`` is believed."""

    @field_validator("users")
    @classmethod
    def _password_hashes(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [name for name, h in value.items() if not h.startswith("$argon2")]
        if bad:
            raise ValueError(
                f"server.users {bad}: passwords must be argon2 hashes (remediate hash-password)"
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"server.trusted_proxies: {item!r} is not an address") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("server.public_url must be an http(s) URL")
        return value.rstrip("/") if value else value


NOTIFICATION_EVENTS = (
    "proposal",
    "approved",
    "rejected",
    "expired",
    "verified",
    "failed",
    "escalated",
)
"""Incident transitions people are told about (see :mod:`remediate.outbox`)."""


class SecretSource(Section):
    """Where a secret is read at the moment it is used: an environment variable or a file
    (e.g. a systemd credential). The configuration file never holds it."""

    @staticmethod
    def _read(env_name: str | None, file: Path | None, what: str) -> str | None:
        if env_name:
            value = os.environ.get(env_name)
            if not value:
                raise ConfigError(f"{what}: the environment variable {env_name} is not set")
            return value.strip()
        if file is not None:
            try:
                return file.read_text().strip()
            except OSError as exc:
                raise ConfigError(f"{what}: cannot read {file}: {exc.strerror}") from None
        return None


class SMTPSettings(SecretSource):
    """The mail relay e-mail notifications go through (``smtplib``; no host: no e-mail)."""

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    """``starttls`` upgrades a plain connection (port 587), ``tls`` is implicit TLS (465),
    ``none`` only for a relay on loopback."""
    ca_file: Path | None = None
    """CA certificates that sign the relay's certificate (default: the system's store)."""
    username: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    sender: str = "remediate@localhost"
    to: list[str] = Field(default_factory=list)

    def password(self) -> str | None:
        return self._read(self.password_env, self.password_file, "notifications.smtp password")


class WebhookSettings(SecretSource):
    """A chat webhook (Slack, Mattermost, Teams workflows): its URL is a secret, so it is
    read from the environment or a file, and only ``name`` is ever logged or stored."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    url_env: str | None = None
    url_file: Path | None = None

    @model_validator(mode="after")
    def _one_source(self) -> WebhookSettings:
        if (self.url_env is None) == (self.url_file is None):
            raise ValueError(f"webhook {self.name}: set exactly one of url_env or url_file")
        return self

    def url(self) -> str:
        value = self._read(self.url_env, self.url_file, f"webhook {self.name} url")
        if not value or not value.startswith(("https://", "http://")):
            raise ConfigError(f"webhook {self.name}: the url is not an http(s) URL")
        return value


class NotificationSettings(Section):
    """Who is told when an incident changes hands, and how hard we try (README, Notifications)."""

    events: list[str] = Field(default_factory=lambda: list(NOTIFICATION_EVENTS))
    smtp: SMTPSettings = Field(default_factory=SMTPSettings)
    webhooks: list[WebhookSettings] = Field(default_factory=list)
    max_attempts: int = Field(default=8, ge=1, le=100)
    backoff: float = Field(default=30.0, gt=0, le=3600)
    """Seconds before the first retry; doubled at each further one."""
    max_backoff: float = Field(default=3600.0, gt=0, le=86400)
    timeout: float = Field(default=10.0, gt=0, le=120)
    """Seconds one SMTP conversation or webhook POST may take."""

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: list[str]) -> list[str]:
        unknown = set(value) - set(NOTIFICATION_EVENTS)
        if unknown:
            raise ValueError(f"unknown notification events {sorted(unknown)}")
        return value

    @field_validator("webhooks")
    @classmethod
    def _unique_names(cls, value: list[WebhookSettings]) -> list[WebhookSettings]:
        names = [w.name for w in value]
        if len(names) != len(set(names)):
            raise ValueError("webhook names must be unique")
        return value

    def channels(self) -> tuple[str, ...]:
        """The outbox's channel names: ``email`` when a relay and recipients are set, and
        ``webhook:NAME`` for each webhook."""
        mail = ("email",) if self.smtp.host and self.smtp.to else ()
        return mail + tuple(f"webhook:{w.name}" for w in self.webhooks)


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
    gather: list[str] = Field(default_factory=lambda: ["host_facts"])
    run_timeout: int = Field(default=300, ge=10, le=3600)
    learned: Path | None = None
    """Where closed incidents become tickets (default ``<state_dir>/learned``): never kb/."""
    llm: LLMSettings = Field(default_factory=LLMSettings)
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    approval: ApprovalSettings = Field(default_factory=ApprovalSettings)
    sanitizer: SanitizerSettings = Field(default_factory=SanitizerSettings)
    intake: IntakeSettings = Field(default_factory=IntakeSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)

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
    if env.get("REMEDIATE_SESSION_SECRET"):
        server = dict(data.get("server") or {})  # type: ignore[call-overload]
        server["session_secret"] = env["REMEDIATE_SESSION_SECRET"]
        data["server"] = server
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
    server = out.get("server")
    if isinstance(server, Mapping):
        secret = server.get("session_secret_file")
        if isinstance(secret, str) and not Path(secret).is_absolute():
            out["server"] = {**server, "session_secret_file": str((base / secret).resolve())}
    return out

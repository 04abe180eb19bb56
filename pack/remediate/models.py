"""The domain model: typed values passed between the pipeline's stages.

Everything here is a pydantic model or an enum and carries no behaviour that
talks to the outside world. Statuses are enums; adapters map foreign strings
(ansible-runner, StackStorm) onto them once.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- alerts


class AlertSource(StrEnum):
    ALERTMANAGER = "alertmanager"
    PLAIN = "plain"
    STACKSTORM = "stackstorm"


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class Alert(Frozen):
    """One alert, normalized from whatever arrived."""

    source: AlertSource
    status: AlertStatus
    name: str
    """``alertname`` label, or a name derived from a plain alert's message."""
    host_hint: str | None = None
    """What the sender says the host is: ``server_id``, a ``host``/``hostname``/``node`` label,
    or the ``instance`` label with its port stripped."""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    summary: str = ""
    description: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    fingerprint: str
    group_key: str | None = None
    derived_name: bool = False
    """The name was made from the message (plain alerts); it is made again from the
    sanitized message before anything is stored."""

    def text(self) -> str:
        """The human-readable content of the alert, for retrieval and planning."""
        parts = [self.name, self.summary, self.description]
        return "\n".join(p for p in parts if p)


# --------------------------------------------------------------------------- observations


class ObservationStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    UNREACHABLE = "unreachable"


class ObservationFormat(StrEnum):
    TEXT = "text"
    """A playbook's report or a tool's output, as printed."""
    JSON = "json"
    """A facts module's structured result (host_facts), serialized."""


class Observation(Frozen):
    """The output of one read-only catalog playbook on one host (raw, local only)."""

    action: str
    host: str
    status: ObservationStatus
    text: str
    format: ObservationFormat = ObservationFormat.TEXT
    collected_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- retrieval


def anchor(heading: str) -> str:
    """GitHub's anchor for a markdown heading: lower case, punctuation dropped, spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


class CitationKind(StrEnum):
    RUNBOOK = "runbook"
    TICKET = "ticket"


class Citation(Frozen):
    """One retrieval hit: what a proposal may cite."""

    kind: CitationKind
    id: str
    """Runbook id, or ticket id such as ``INC-4092``."""
    title: str
    section: str | None = None
    """Runbook section heading."""
    date: str | None = None
    """Ticket date (ISO)."""
    snippet: str = ""
    source: str = ""
    """Path of the file it came from, with ``#section`` for runbooks."""
    score: float = 0.0
    action: str | None = None
    """Catalog action the runbook recommends or the ticket used."""
    outcome: str | None = None
    """Ticket outcome (``resolved``, ``not_resolved``, ``escalated``...)."""

    @property
    def ref(self) -> str:
        """How a proposal names this citation."""
        return f"{self.id}#{self.section}" if self.section else self.id

    @property
    def link(self) -> str:
        """What a person opens: the file, with the section's markdown anchor."""
        return f"{self.source}#{anchor(self.section)}" if self.section else self.source

    def label(self) -> str:
        if self.kind is CitationKind.TICKET:
            return f"{self.id} ({self.date}): {self.title}"
        return f"runbook {self.id} §{self.section}: {self.title}"


# --------------------------------------------------------------------------- proposals


class Decision(StrEnum):
    PROPOSE = "propose"
    ESCALATE = "escalate"
    NONE = "none"


ParamValue = str | int | bool


class Proposal(Frozen):
    """A planner's answer: one allowlisted playbook with parameters, or escalate, or none.

    ``host`` and string parameters are in the planner's vocabulary (pseudonyms)
    until the guard has passed and the pipeline maps them back.
    """

    decision: Decision
    action: str | None = None
    host: str | None = None
    params: dict[str, ParamValue] = Field(default_factory=dict)
    rationale: str
    citations: list[str] = Field(default_factory=list)
    """``Citation.ref`` values, each of which retrieval must have returned."""
    planner: str = "offline"


# --------------------------------------------------------------------------- approval


class InquiryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    TIMEOUT = "timeout"
    SUPERSEDED = "superseded"
    """The incident moved on without an answer (escalated, binding changed)."""


class Answer(Frozen):
    """One person's answer to an inquiry; several make a quorum for high-risk actions."""

    user: str
    approved: bool
    at: datetime
    comment: str = ""
    via: str = "cli"
    """``cli``, ``break-glass`` (an ``--as`` override), ``stackstorm``, ``api``."""


APPROVAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "approved": {"type": "boolean", "description": "Run exactly this playbook?"},
        "comment": {"type": "string"},
    },
    "required": ["approved"],
    "additionalProperties": False,
}


class Inquiry(Frozen):
    """StackStorm-style inquiry, persisted; a later call resumes the incident with its answer."""

    id: str
    incident_id: str
    proposal_hash: str
    schema_: Annotated[dict[str, Any], Field(alias="schema")] = Field(
        default_factory=lambda: dict(APPROVAL_SCHEMA)
    )
    users: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    route: str = "remediate"
    ttl: int = 1440
    """Minutes before the inquiry times out."""
    status: InquiryStatus = InquiryStatus.PENDING
    required_approvals: int = 1
    """Distinct approvers needed (the policy for the action's risk)."""
    excluded: list[str] = Field(default_factory=list)
    """Who may not answer (four-eyes: whoever triggered the investigation)."""
    answers: list[Answer] = Field(default_factory=list)
    response: dict[str, Any] = Field(default_factory=dict)
    responder: str | None = None
    responded_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    dry_run: str = ""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def approved(self) -> bool:
        return self.status is InquiryStatus.SUCCEEDED and self.response.get("approved") is True


# --------------------------------------------------------------------------- execution


class Binding(Frozen):
    """Everything an approval covers; its hash is what the approver approves.

    A change of any part (a playbook's bytes, the catalog entry, a parameter, the target,
    a resolved host variable) after the inquiry opened means nothing runs.
    """

    action: str
    catalog_entry: str
    """sha256 of the catalog entry (types, risk, verify section)."""
    playbook: str
    verify_playbook: str | None
    params: dict[str, ParamValue]
    host: str
    host_vars: str
    """sha256 of the target's resolved inventory variables (connection, become, paths)."""
    nonce: str

    @property
    def hash(self) -> str:
        return digest_of(self.model_dump(mode="json"))

    def differences(self, other: Binding) -> list[str]:
        mine, theirs = self.model_dump(mode="json"), other.model_dump(mode="json")
        return sorted(k for k in mine if mine[k] != theirs.get(k))


def digest_of(value: Any) -> str:
    """sha256 of a JSON value in canonical form."""
    body = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


class ExecutionStatus(StrEnum):
    SUCCESSFUL = "successful"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELED = "canceled"
    ERROR = "error"


class TaskEvent(Frozen):
    task: str
    host: str
    status: str
    """ok, changed, skipped, failed, unreachable."""
    detail: str = ""


class Execution(Frozen):
    run_id: str
    action: str
    host: str
    check_mode: bool
    status: ExecutionStatus
    rc: int | None = None
    started_at: datetime
    finished_at: datetime
    events: list[TaskEvent] = Field(default_factory=list)
    output: str = ""
    """Human-readable rendering of the events (diffs included)."""
    facts: dict[str, Any] | None = Field(default=None, exclude=True)
    """What a facts module (host_facts) returned, raw and unsanitized: never stored as is."""


class VerificationStatus(StrEnum):
    VERIFIED = "verified"
    FAILED = "failed"


class Check(Frozen):
    name: str
    ok: bool
    detail: str = ""


class Verification(Frozen):
    status: VerificationStatus
    checks: list[Check]


# --------------------------------------------------------------------------- incidents


class IncidentStatus(StrEnum):
    """See :mod:`remediate.state` for which may follow which."""

    RECEIVED = "received"
    INVESTIGATING = "investigating"
    PROPOSED = "proposed"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    EXECUTING = "executing"
    VERIFIED = "verified"
    FAILED = "failed"
    ESCALATED = "escalated"
    CLOSED = "closed"


class TimelineEntry(Frozen):
    at: datetime
    status: IncidentStatus
    step: str
    detail: str = ""


class Incident(Frozen):
    id: str
    alert: Alert
    """As stored: sanitized (pseudonyms); restore it with the incident's mapping."""
    host: str | None = None
    """Inventory name of the host the alert was mapped to."""
    status: IncidentStatus = IncidentStatus.RECEIVED
    nonce: str = Field(default_factory=lambda: secrets.token_hex(16))
    """Per-incident secret mixed into the binding: identical proposals on two incidents
    never share a binding hash."""
    previous_id: str | None = None
    """The earlier incident of the same alert fingerprint (a new firing after it ended)."""
    triggered_by: str | None = None
    """Who started a manual investigation (four-eyes), or None for an alert source."""
    attempts: int = 0
    """Investigations started (a crashed one is resumed by recovery, a few times at most)."""
    st2_workflow: str | None = None
    """StackStorm workflow execution that investigated it (the only one that may execute)."""
    binding: Binding | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    proposal: Proposal | None = None
    """De-pseudonymized proposal (real host and parameters), after the guard."""
    proposal_hash: str | None = None
    citations: list[Citation] = Field(default_factory=list)
    escalation_reason: str | None = None

"""The domain model: typed values passed between the pipeline's stages.

Everything here is a pydantic model or an enum and carries no behaviour that
talks to the outside world. Statuses are enums; adapters map foreign strings
(ansible-runner, StackStorm) onto them once.
"""

from __future__ import annotations

import hashlib
import json
import re
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

    def text(self) -> str:
        """The human-readable content of the alert, for retrieval and planning."""
        parts = [self.name, self.summary, self.description]
        return "\n".join(p for p in parts if p)


# --------------------------------------------------------------------------- observations


class ObservationStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    UNREACHABLE = "unreachable"


class Observation(Frozen):
    """The output of one read-only catalog playbook on one host (raw, local only)."""

    action: str
    host: str
    status: ObservationStatus
    text: str
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

    def binding_hash(self, playbook_digest: str) -> str:
        """Hash of exactly what an approval allows: playbook (content), parameters, target."""
        body = json.dumps(
            {
                "action": self.action,
                "playbook": playbook_digest,
                "host": self.host,
                "params": self.params,
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(body.encode()).hexdigest()


# --------------------------------------------------------------------------- approval


class InquiryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    TIMEOUT = "timeout"


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
    host: str | None = None
    """Inventory name of the host the alert was mapped to."""
    status: IncidentStatus = IncidentStatus.RECEIVED
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    proposal: Proposal | None = None
    """De-pseudonymized proposal (real host and parameters), after the guard."""
    proposal_hash: str | None = None
    citations: list[Citation] = Field(default_factory=list)
    escalation_reason: str | None = None

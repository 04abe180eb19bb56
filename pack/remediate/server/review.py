"""What the review page shows of an incident: one view model, built from the store.

Everything a person needs to decide sits in :class:`IncidentView`: the alert, the diagnosis
and the evidence it quotes, the citations, the dry run's diff, the binding (the hash an
approval is for), the policy that applies and the timeline. Text is shown as
:meth:`Engine.display` shows it on the CLI (pseudonyms mapped back to real names; secrets
were never kept). Whether the page offers Approve / Reject is decided here, by asking the
approval code itself (:func:`remediate.inquiry.respond`, a pure function) whether the
signed-in user's answer would be accepted now: the page never has rules of its own.
Runbooks and tickets are rendered from the knowledge base with markdown-it-py, raw HTML off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt

from remediate import inquiry as inquiries
from remediate.errors import ApprovalError, CatalogError, NotFound
from remediate.models import (
    Citation,
    CitationKind,
    Incident,
    IncidentStatus,
    Inquiry,
    InquiryStatus,
    anchor,
)
from remediate.state import HUMAN_ACTIONS

if TYPE_CHECKING:
    from remediate.pipeline import Engine

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

WAITING = frozenset({IncidentStatus.AWAITING_APPROVAL})


def render_markdown(text: str) -> str:
    """HTML of ``text``; raw HTML in it is escaped, unsafe link schemes are dropped."""
    html: str = _MARKDOWN.render(text)
    return html


@dataclass(frozen=True)
class Row:
    """One incident in the list."""

    id: str
    status: str
    alert: str
    host: str
    updated_at: datetime
    waiting: bool


@dataclass(frozen=True)
class Evidence:
    action: str
    status: str
    text: str


@dataclass(frozen=True)
class CitationRef:
    number: int
    kind: str
    label: str
    cited: bool


@dataclass(frozen=True)
class Step:
    at: datetime
    status: str
    step: str
    detail: str


@dataclass(frozen=True)
class InquiryView:
    id: str
    status: str
    proposal_hash: str
    required: int
    approvals: list[str]
    answers: list[dict[str, Any]]
    expires_at: datetime
    users: list[str]
    roles: list[str]
    excluded: list[str]
    answerable: bool
    """Approve / Reject are shown: pending, not expired, for the current proposal, and
    the signed-in user's answer would be accepted."""
    why_not: str = ""


@dataclass(frozen=True)
class IncidentView:
    id: str
    status: str
    next: str
    alert_name: str
    summary: str
    description: str
    labels: dict[str, str]
    host: str
    starts_at: datetime | None
    truncated: int
    action: str | None
    params: dict[str, Any]
    target: str | None
    risk: str | None
    rationale: str
    escalation: str
    evidence: list[Evidence]
    citations: list[CitationRef]
    diff: str
    binding: dict[str, Any] | None
    binding_hash: str | None
    policy: list[str]
    inquiry: InquiryView | None
    timeline: list[Step]
    executions: list[dict[str, Any]] = field(default_factory=list)
    verification: str | None = None


@dataclass(frozen=True)
class CitationPage:
    incident_id: str
    number: int
    kind: str
    title: str
    anchor: str | None
    sections: list[tuple[str, str, str]]
    """(anchor, heading, rendered HTML) of each runbook section; one for a ticket."""
    source: str


def incident_rows(engine: Engine, limit: int = 200) -> tuple[list[Row], list[Row]]:
    """(waiting for approval, the others), newest first."""
    rows = []
    for incident in engine.store.list_incidents(limit=limit):
        shown = engine.display(incident)
        rows.append(
            Row(
                id=shown.id,
                status=str(shown.status),
                alert=shown.alert.name,
                host=shown.host or shown.alert.host_hint or "-",
                updated_at=shown.updated_at,
                waiting=shown.status in WAITING,
            )
        )
    return [r for r in rows if r.waiting], [r for r in rows if not r.waiting]


def incident_view(
    engine: Engine, incident_id: str, *, user: str, truncated: int = 0
) -> IncidentView:
    store = engine.store
    incident = store.get_incident(incident_id)
    shown = engine.display(incident)
    restore = engine.sanitizer_for(incident.id).restore
    proposal = shown.proposal
    risk = None
    if proposal is not None and proposal.action:
        try:
            risk = str(engine.catalog.get(proposal.action).risk)
        except CatalogError:  # an action since removed from the catalog
            risk = None
    current = _current_inquiry(store.inquiries_for(incident.id), incident)
    cited = set(proposal.citations) if proposal else set()
    dry_run = current.dry_run if current is not None else ""
    if not dry_run:
        checks = [e for e in store.executions(incident.id) if e.check_mode]
        dry_run = checks[-1].output if checks else ""
    verifications = store.verifications(incident.id)
    return IncidentView(
        id=shown.id,
        status=str(shown.status),
        next=HUMAN_ACTIONS[shown.status],
        alert_name=shown.alert.name,
        summary=shown.alert.summary,
        description=shown.alert.description,
        labels=dict(shown.alert.labels),
        host=shown.host or shown.alert.host_hint or "-",
        starts_at=shown.alert.starts_at,
        truncated=truncated,
        action=proposal.action if proposal else None,
        params=dict(proposal.params) if proposal else {},
        target=proposal.host if proposal else None,
        risk=risk,
        rationale=proposal.rationale if proposal else "",
        escalation=shown.escalation_reason or "",
        evidence=[
            Evidence(o.action, str(o.status), restore(o.text))
            for o in store.observations(incident.id)
        ],
        citations=[
            CitationRef(n, str(c.kind), c.label(), not cited or c.ref in cited or c.id in cited)
            for n, c in enumerate(incident.citations, start=1)
        ],
        diff=restore(dry_run),
        binding=incident.binding.model_dump(mode="json") if incident.binding else None,
        binding_hash=incident.proposal_hash,
        policy=_policy(engine, risk, current),
        inquiry=_inquiry_view(engine, current, incident, user) if current else None,
        timeline=[
            Step(e.at, str(e.status), e.step, restore(e.detail))
            for e in store.timeline(incident.id)
        ],
        executions=[
            {
                "run_id": e.run_id,
                "action": e.action,
                "check_mode": e.check_mode,
                "status": str(e.status),
                "finished_at": e.finished_at,
            }
            for e in store.executions(incident.id)
        ],
        verification=str(verifications[-1].status) if verifications else None,
    )


def citation_page(engine: Engine, incident_id: str, number: int) -> CitationPage:
    incident = engine.store.get_incident(incident_id)
    if not 1 <= number <= len(incident.citations):
        raise NotFound(f"incident {incident_id} has no citation {number}")
    citation = incident.citations[number - 1]
    kb = engine.kb
    if citation.kind is CitationKind.RUNBOOK and citation.id in kb.runbooks:
        runbook = kb.runbooks[citation.id]
        return CitationPage(
            incident_id=incident_id,
            number=number,
            kind=str(citation.kind),
            title=runbook.meta.title,
            anchor=anchor(citation.section) if citation.section else None,
            sections=[
                (anchor(s.title), s.title, render_markdown(s.text)) for s in runbook.sections
            ],
            source=citation.link,
        )
    if citation.kind is CitationKind.TICKET and citation.id in kb.tickets:
        ticket = kb.tickets[citation.id]
        text = "\n\n".join(
            [
                f"**{ticket.id}** ({ticket.date}), host `{ticket.host}`, "
                f"service `{ticket.service}`, alert `{ticket.alert}`",
                f"**Symptoms.** {ticket.symptoms}",
                f"**Root cause.** {ticket.root_cause}",
                f"**Resolution.** {ticket.resolution}",
                f"**Action.** `{ticket.action}` {_params(ticket.params)}; "
                f"outcome: {ticket.outcome}",
            ]
        )
        return CitationPage(
            incident_id=incident_id,
            number=number,
            kind=str(citation.kind),
            title=ticket.title,
            anchor=None,
            sections=[("ticket", ticket.title, render_markdown(text))],
            source=citation.link,
        )
    return _snippet_page(incident_id, number, citation)


def _snippet_page(incident_id: str, number: int, citation: Citation) -> CitationPage:
    """A source no longer in the knowledge base: what retrieval returned, as stored."""
    return CitationPage(
        incident_id=incident_id,
        number=number,
        kind=str(citation.kind),
        title=citation.title,
        anchor=None,
        sections=[
            ("snippet", citation.section or citation.title, render_markdown(citation.snippet))
        ],
        source=citation.link,
    )


def _params(params: dict[str, Any]) -> str:
    return ", ".join(f"`{k}={v}`" for k, v in params.items())


def _current_inquiry(found: list[Inquiry], incident: Incident) -> Inquiry | None:
    """The inquiry of the current proposal if there is one, else the newest."""
    if not found:
        return None
    for candidate in reversed(found):
        if candidate.proposal_hash == incident.proposal_hash:
            return candidate
    return found[-1]


def _inquiry_view(engine: Engine, inquiry: Inquiry, incident: Incident, user: str) -> InquiryView:
    status = inquiries.expire_if_due(inquiry).status
    why_not = ""
    if status is not InquiryStatus.PENDING:
        why_not = f"this inquiry is {status}"
    elif incident.status is not IncidentStatus.AWAITING_APPROVAL:
        why_not = f"the incident is {incident.status}"
    elif incident.proposal_hash != inquiry.proposal_hash:
        why_not = "a newer proposal superseded this one"
    else:
        try:  # the approval code's own checks, without recording anything
            inquiries.respond(
                inquiry,
                {"approved": True},
                user=user,
                role_members=engine.settings.approval.role_members,
            )
        except ApprovalError as exc:
            why_not = str(exc)
    return InquiryView(
        id=inquiry.id,
        status=str(status),
        proposal_hash=inquiry.proposal_hash,
        required=inquiry.required_approvals,
        approvals=[a.user for a in inquiry.answers if a.approved],
        answers=[
            {
                "user": a.user,
                "verdict": "approved" if a.approved else "rejected",
                "via": a.via,
                "at": a.at,
                "comment": a.comment,
            }
            for a in inquiry.answers
        ],
        expires_at=inquiries.expires_at(inquiry),
        users=list(inquiry.users),
        roles=list(inquiry.roles),
        excluded=list(inquiry.excluded),
        answerable=not why_not,
        why_not=why_not,
    )


def _policy(engine: Engine, risk: str | None, inquiry: Inquiry | None) -> list[str]:
    approval = engine.settings.approval
    lines = []
    if risk is not None:
        needed = approval.policy.get(risk, 1)
        lines.append(f"risk {risk}: {needed} distinct approver(s) needed (approval.policy)")
    if inquiry is not None:
        who = ", ".join(inquiry.users) or "none"
        roles = ", ".join(inquiry.roles) or "none"
        lines.append(f"who may approve: users {who}; roles {roles}")
        if inquiry.excluded:
            lines.append(
                f"four-eyes: {', '.join(inquiry.excluded)} started the investigation "
                "and may not approve it"
            )
        lines.append(
            f"expires {inquiries.expires_at(inquiry):%Y-%m-%d %H:%M} UTC "
            f"(approval.ttl {inquiry.ttl} min); nothing runs after that"
        )
    lines.append(
        "an approval is for the binding hash below: the playbook, its parameters, the target "
        "and its inventory as they are now; any change and nothing runs"
    )
    return lines

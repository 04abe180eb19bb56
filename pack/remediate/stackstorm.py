"""The service functions behind the StackStorm pack's actions (``actions/*.py``).

Each action builds an :class:`Engine` from the pack config (``self.config``, the same keys as
``remediate.yaml``), calls one function here and returns StackStorm's ``(ok, result)`` pair
through :func:`call`. StackStorm's ``core.ask`` is the human gate: the workflow hands its
response to :func:`execute_proposal`, which records it in our own inquiry (bound to the
incident and the proposal's binding hash) and only then runs exactly the approved playbook.
Results are plain JSON values because orquesta publishes them into the workflow context.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from remediate import notify
from remediate.config import settings_from_mapping
from remediate.errors import ApprovalMismatch, InvalidResponse, NotFound, RemediateError
from remediate.inquiry import expires_at
from remediate.models import Incident, IncidentStatus, Inquiry, InquiryStatus
from remediate.pipeline import Engine, Outcome
from remediate.report import incident_text, proposal_text

RESPONDER = "stackstorm"
"""Who answered, as far as we can tell: StackStorm checked users/roles and keeps the name."""


class Closing(StrEnum):
    """Why a proposal ends without running: the two non-approving ends of ``core.ask``."""

    REJECTED = "rejected"
    EXPIRED = "expired"


def engine_for(config: Mapping[str, Any] | None) -> Engine:
    return Engine(settings_from_mapping(config or {}))


def call(
    config: Mapping[str, Any] | None, service: Callable[..., dict[str, Any]], **params: Any
) -> tuple[bool, dict[str, Any]]:
    """Run one service function for an action; our errors become a failed result, not a
    traceback, so the workflow's ``failed()`` branch sees a clear message."""
    try:
        return True, service(engine_for(config), **params)
    except RemediateError as exc:
        return False, {"error": f"{type(exc).__name__}: {exc}", "kind": type(exc).__name__}


# ---------------------------------------------------------------------- services


def investigate_alert(engine: Engine, alert: Mapping[str, Any] | str) -> dict[str, Any]:
    """Intake to proposal or escalation. ``decision`` drives the workflow's branches."""
    outcomes = engine.investigate(alert if isinstance(alert, str) else dict(alert))
    waiting = [o for o in outcomes if o.inquiry is not None and not o.duplicate]
    escalated = [o for o in outcomes if o.incident.status is IncidentStatus.ESCALATED]
    if waiting:
        decision = "propose"
    elif escalated:
        decision = "escalate"
    else:
        decision = "none"
    first = waiting[0] if waiting else None
    lead = first or (escalated[0] if escalated else None)
    approval = engine.settings.approval
    return {
        "decision": decision,
        "incidents": [_summary(o) for o in outcomes],
        "incident_id": lead.incident.id if lead else None,
        "proposal": _proposal(first) if first else None,
        "others_waiting": [o.incident.id for o in waiting[1:]],
        "approval": {
            "users": approval.users,
            "roles": approval.roles,
            "route": approval.route,
            "ttl": approval.ttl,
        },
    }


def execute_proposal(
    engine: Engine, incident_id: str, proposal_hash: str, response: Mapping[str, Any]
) -> dict[str, Any]:
    """Record ``core.ask``'s approving response in our inquiry, then execute and verify.

    Refuses (nothing recorded, nothing run) a response that does not approve, a hash that is
    not the incident's current binding, and an inquiry already answered or expired.
    """
    if not isinstance(response, Mapping) or response.get("approved") is not True:
        raise ApprovalMismatch(f"refusing to execute {incident_id}: the response does not approve")
    inquiry = _inquiry_for(engine, incident_id, proposal_hash)
    outcome = engine.respond(inquiry.id, response, user=RESPONDER, authorized=True)
    return _finished(engine, outcome.incident)


def close_proposal(
    engine: Engine,
    incident_id: str,
    proposal_hash: str,
    reason: str,
    response: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Record a rejection (a negative ``core.ask`` answer) or an expiry (its timeout)."""
    try:
        closing = Closing(reason)
    except ValueError:
        raise InvalidResponse(f"reason must be one of {[c.value for c in Closing]}") from None
    if closing is Closing.EXPIRED:
        inquiry = _inquiry_for(engine, incident_id, proposal_hash)
        return _finished(engine, engine.expire_inquiry(inquiry.id))
    answer = dict(response or {})
    if answer.get("approved") is not False:
        raise InvalidResponse("a rejection needs a response with approved: false")
    inquiry = _inquiry_for(engine, incident_id, proposal_hash)
    outcome = engine.respond(inquiry.id, answer, user=RESPONDER, authorized=True)
    return _finished(engine, outcome.incident)


def get_incident(engine: Engine, incident_id: str) -> dict[str, Any]:
    incident = engine.store.get_incident(incident_id)
    inquiries = engine.store.inquiries_for(incident_id)
    return {
        "incident": incident.model_dump(mode="json"),
        "inquiries": [i.model_dump(mode="json", by_alias=True) for i in inquiries],
        "text": incident_text(engine, incident),
    }


def ingest_kb(engine: Engine) -> dict[str, Any]:
    report, problems = engine.ingest(progress=False)
    return {
        "rows": report.rows,
        "added": report.added,
        "updated": report.updated,
        "removed": report.removed,
        "embedded": report.embedded,
        "problems": problems,
        "kb": str(engine.settings.kb),
        "index": str(engine.settings.index_dir),
    }


def notify_route(engine: Engine, incident_id: str, route: str) -> dict[str, Any]:
    """The message for the route: the full approval request while an inquiry is pending,
    the incident's state and timeline otherwise. Also written to the outbox."""
    incident = engine.store.get_incident(incident_id)
    pending = [
        i for i in engine.store.inquiries_for(incident_id) if i.status is InquiryStatus.PENDING
    ]
    if pending and incident.status is IncidentStatus.AWAITING_APPROVAL:
        subject = f"[remediate] approval needed: {incident.id} {incident.alert.name}"
        body = approval_request(incident, pending[-1])
    else:
        subject = f"[remediate] {incident.id} {incident.status}: {incident.alert.name}"
        body = incident_text(engine, incident)
    draft = notify.Draft(f"{route}-{incident.status}", subject, body)
    path = notify.write_outbox(engine.settings.outbox, incident.id, draft)
    engine.store.save_draft(incident.id, draft.kind, subject, body, str(path))
    return {"route": route, "subject": subject, "message": body, "path": str(path)}


def notify_inquiry(engine: Engine, inquiry_id: str, route: str) -> dict[str, Any]:
    """StackStorm's inquiry trigger carries only an id and a route: add what is waiting on
    that route (normally exactly one proposal) and the command that answers it."""
    engine.expire_inquiries()
    waiting = [i for i in engine.store.list_inquiries(InquiryStatus.PENDING) if i.route == route]
    if not waiting:
        raise NotFound(f"no remediate proposal is waiting on route {route!r}")
    parts = [f"StackStorm inquiry {inquiry_id} (route {route}) asks to approve:"]
    for inquiry in waiting:
        incident = engine.store.get_incident(inquiry.incident_id)
        parts.append(approval_request(incident, inquiry, st2_inquiry_id=inquiry_id))
    message = "\n\n".join(parts)
    return {"inquiry_id": inquiry_id, "route": route, "message": message, "waiting": len(waiting)}


# ---------------------------------------------------------------------- texts


def answer_text(inquiry_id: str = "<inquiry id>") -> str:
    return (
        "Answer in StackStorm (`st2 inquiry list` shows the id):\n"
        f'  st2 inquiry respond {inquiry_id} -r \'{{"approved": true, "comment": "…"}}\'\n'
        f'  st2 inquiry respond {inquiry_id} -r \'{{"approved": false, "comment": "…"}}\''
    )


def approval_request(
    incident: Incident, inquiry: Inquiry, *, st2_inquiry_id: str = "<inquiry id>"
) -> str:
    """Everything an approver needs in one message: playbook, parameters, target, citations,
    the dry run's diff, the binding, the deadline and how to answer."""
    lines = [
        f"incident {incident.id}: {incident.alert.name} on {incident.host}",
        proposal_text(incident),
        f"binding: {inquiry.proposal_hash}",
        f"expires: {expires_at(inquiry):%Y-%m-%d %H:%M} UTC (ttl {inquiry.ttl} min)",
        "dry run (check mode, diff):",
        _indent(inquiry.dry_run),
        answer_text(st2_inquiry_id),
    ]
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------- helpers


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in (text.strip() or "(no output)").splitlines())


def _inquiry_for(engine: Engine, incident_id: str, proposal_hash: str) -> Inquiry:
    """The inquiry opened for exactly this proposal. Whether it is still pending is checked
    where the answer is recorded (Engine.respond): answered or expired is refused there."""
    incident = engine.store.get_incident(incident_id)
    if incident.proposal_hash != proposal_hash:
        raise ApprovalMismatch(
            f"the answer was for another proposal than incident {incident.id}'s current one"
        )
    bound = [i for i in engine.store.inquiries_for(incident.id) if i.proposal_hash == proposal_hash]
    if not bound:
        raise NotFound(f"incident {incident.id} has no inquiry for that proposal")
    return bound[-1]


def _summary(outcome: Outcome) -> dict[str, Any]:
    incident = outcome.incident
    return {
        "id": incident.id,
        "status": incident.status.value,
        "alert": incident.alert.name,
        "host": incident.host,
        "duplicate": outcome.duplicate,
        "escalation": incident.escalation_reason,
    }


def _proposal(outcome: Outcome) -> dict[str, Any]:
    incident, inquiry = outcome.incident, outcome.inquiry
    proposal = incident.proposal
    assert inquiry is not None and proposal is not None
    cited = set(proposal.citations)
    params = ", ".join(f"{k}={v}" for k, v in proposal.params.items())
    return {
        "title": f"remediate {incident.id}: run {proposal.action}({params}) on {proposal.host}?",
        "incident_id": incident.id,
        "inquiry_id": inquiry.id,
        "binding_hash": inquiry.proposal_hash,
        "playbook": proposal.action,
        "parameters": proposal.params,
        "targets": [proposal.host],
        "rationale": proposal.rationale,
        "citations": [c.label() for c in incident.citations if c.ref in cited or c.id in cited],
        "dry_run": inquiry.dry_run,
        "request": approval_request(incident, inquiry),
    }


def _finished(engine: Engine, incident: Incident) -> dict[str, Any]:
    return {
        "incident_id": incident.id,
        "status": incident.status.value,
        "verified": incident.status is IncidentStatus.VERIFIED,
        "text": incident_text(engine, incident),
    }

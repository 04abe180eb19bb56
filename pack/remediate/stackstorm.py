"""The service functions behind the StackStorm pack's actions (``actions/*.py``).

Each action builds an :class:`Engine` from the pack config (``self.config``, the same keys as
``remediate.yaml``), calls one function here and returns StackStorm's ``(ok, result)`` pair
through :func:`call`. Results are plain JSON values because orquesta publishes them into the
workflow context.

StackStorm's ``core.ask`` is the human gate, and :func:`execute_proposal` does not take the
workflow's word for it. With the action's own API token it reads its own execution, checks
that its parent is the very workflow execution that investigated the incident (recorded at
intake), and finds in that workflow a succeeded ``core.ask``, restricted to named users or
roles, whose schema carries this incident's binding hash and whose response approves. Only
then is the answer recorded in our own inquiry (atomically, once) and the playbook run. A
direct ``st2 run remediate.proposal_execute`` with the right hash has no such parent and
runs nothing. StackStorm does not record who answered an inquiry (its result holds the
response only), so the record names the ``core.ask`` execution that approved.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from remediate import notify
from remediate.config import settings_from_mapping
from remediate.errors import ApprovalMismatch, InvalidResponse, NotFound, RemediateError
from remediate.inert import inert, quoted
from remediate.inquiry import expires_at
from remediate.models import Incident, IncidentStatus, Inquiry, InquiryStatus
from remediate.pipeline import Engine, Outcome
from remediate.report import incident_text, proposal_text
from remediate.st2_api import St2Api


class Closing(StrEnum):
    """Why a proposal ends without running: the two non-approving ends of ``core.ask``."""

    REJECTED = "rejected"
    EXPIRED = "expired"


def engine_for(config: Mapping[str, Any] | None) -> Engine:
    os.umask(0o077)  # the state directory holds incident records: private to this user
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
    api = St2Api.from_environment()
    workflow = api.parent_of(api.execution(api.execution_id)) if api else None
    outcomes = engine.investigate(
        alert if isinstance(alert, str) else dict(alert), st2_workflow=workflow
    )
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
        "warnings": (
            []
            if approval.users or approval.roles
            else ["no approvers are configured: nobody can approve; proposals escalate"]
        ),
        "incidents": [_summary(o) for o in outcomes],
        "incident_id": lead.incident.id if lead else None,
        "proposal": _proposal(engine, first) if first else None,
        "others_waiting": [o.incident.id for o in waiting[1:]],
        "approval": {
            "users": approval.users,
            "roles": approval.roles,
            "route": approval.route,
            "ttl": approval.ttl,
        },
    }


@dataclass(frozen=True)
class AskProof:
    ask_id: str
    response: dict[str, Any]


def prove_approval(incident: Incident, *, approving: bool) -> AskProof:
    """The ``core.ask`` of the investigating workflow that answered this incident's binding,
    read from StackStorm's API with the running action's own token; ApprovalMismatch if
    there is none (a direct run, another workflow, an ask for another binding, an open ask).
    """
    api = St2Api.from_environment()
    if api is None:
        raise ApprovalMismatch(
            "not running inside StackStorm (no ST2_ACTION_* environment): only the "
            "remediate_alert workflow's core.ask can approve"
        )
    own = api.execution(api.execution_id)
    workflow = api.parent_of(own)
    if workflow is None:
        raise ApprovalMismatch(
            f"refusing {incident.id}: this action was run directly, not by the workflow that "
            "investigated the incident; answer its core.ask instead"
        )
    if incident.st2_workflow is None or workflow != incident.st2_workflow:
        raise ApprovalMismatch(
            f"refusing {incident.id}: run by workflow {workflow}, but the incident was "
            f"investigated by {incident.st2_workflow or 'no StackStorm workflow'}"
        )
    binding = incident.proposal_hash or ""
    for ask in reversed(api.children(workflow)):
        action = ask.get("action") or {}
        result = ask.get("result") or {}
        if not isinstance(action, dict) or action.get("ref") != "core.ask":
            continue
        if ask.get("status") != "succeeded" or not isinstance(result, dict):
            continue
        response = result.get("response")
        schema = result.get("schema") or (ask.get("parameters") or {}).get("schema")
        if not isinstance(response, dict) or binding not in json.dumps(schema):
            continue
        if not (result.get("users") or result.get("roles")):
            raise ApprovalMismatch(
                f"core.ask {ask.get('id')} let anyone answer (no users or roles): refused"
            )
        if (response.get("approved") is True) is approving:
            return AskProof(str(ask.get("id")), dict(response))
    verb = "approved" if approving else "rejected"
    raise ApprovalMismatch(
        f"no core.ask of workflow {workflow} {verb} binding {binding[:12]}… of {incident.id}"
    )


def execute_proposal(
    engine: Engine, incident_id: str, proposal_hash: str, response: Mapping[str, Any]
) -> dict[str, Any]:
    """Record the approving ``core.ask`` answer in our inquiry, then execute and verify.

    Refuses (nothing recorded, nothing run) without proof from StackStorm's API that the
    investigating workflow's ``core.ask`` approved exactly this binding, and an inquiry
    already answered or expired. ``response`` (the workflow's copy) is not trusted.
    """
    incident = engine.store.get_incident(incident_id)
    outcome = _answer(engine, incident, _inquiry_for(engine, incident, proposal_hash), True)
    return _finished(engine, outcome.incident, outcome.waiting_for)


def _answer(engine: Engine, incident: Incident, inquiry: Inquiry, approving: bool) -> Outcome:
    """Record the proved ``core.ask`` answer in our inquiry (once, atomically)."""
    proof = prove_approval(incident, approving=approving)
    return engine.respond(
        inquiry.id,
        proof.response,
        user=f"core.ask {proof.ask_id}",
        authorized=True,
        via="stackstorm",
    )


def close_proposal(
    engine: Engine,
    incident_id: str,
    proposal_hash: str,
    reason: str,
    response: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Record a rejection (a negative ``core.ask`` answer, proved like an approval) or an
    expiry (its timeout; refused unless run by the investigating workflow)."""
    try:
        closing = Closing(reason)
    except ValueError:
        raise InvalidResponse(f"reason must be one of {[c.value for c in Closing]}") from None
    incident = engine.store.get_incident(incident_id)
    inquiry = _inquiry_for(engine, incident, proposal_hash)
    if closing is Closing.EXPIRED:
        _require_workflow(incident)
        return _finished(engine, engine.expire_inquiry(inquiry.id))
    return _finished(engine, _answer(engine, incident, inquiry, False).incident)


def _require_workflow(incident: Incident) -> None:
    api = St2Api.from_environment()
    workflow = api.parent_of(api.execution(api.execution_id)) if api else None
    if workflow is None or workflow != incident.st2_workflow:
        raise ApprovalMismatch(
            f"refusing to close {incident.id}: not run by the workflow that investigated it"
        )


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
    name = inert(engine.display(incident).alert.name)
    if pending and incident.status is IncidentStatus.AWAITING_APPROVAL:
        subject = f"[remediate] approval needed: {incident.id} {name}"
        body = approval_request(engine, incident, pending[-1])
    else:
        subject = f"[remediate] {incident.id} {incident.status}: {name}"
        body = incident_text(engine, incident)
    draft = notify.Draft(f"{route}-{incident.status}", subject, body)
    path = notify.write_outbox(engine.settings.outbox, incident.id, draft)
    engine.store.save_draft(incident.id, draft.kind, subject, body, str(path))
    return {"route": route, "subject": subject, "message": body, "path": str(path)}


def notify_inquiry(engine: Engine, inquiry_id: str, route: str) -> dict[str, Any]:
    """StackStorm's inquiry trigger carries only an id and a route: find, through the API,
    the workflow that asked and so the one incident it is about, and show only that
    proposal with the command that answers it."""
    engine.expire_inquiries()
    api = St2Api.from_environment()
    incident = None
    if api is not None:
        workflow = api.parent_of(api.execution(inquiry_id))
        incident = engine.store.incident_for_workflow(workflow) if workflow else None
    if incident is None:
        raise NotFound(
            f"StackStorm inquiry {inquiry_id} (route {route}) is not one of remediate's "
            "proposals, or its workflow cannot be read"
        )
    pending = [
        i for i in engine.store.inquiries_for(incident.id) if i.status is InquiryStatus.PENDING
    ]
    if not pending:
        raise NotFound(f"incident {incident.id} has no proposal waiting for an answer")
    message = "\n\n".join(
        [
            f"StackStorm inquiry {inquiry_id} (route {route}) asks to approve:",
            approval_request(engine, incident, pending[-1], st2_inquiry_id=inquiry_id),
        ]
    )
    return {"inquiry_id": inquiry_id, "route": route, "message": message, "waiting": 1}


# ---------------------------------------------------------------------- texts


def answer_text(inquiry_id: str = "<inquiry id>") -> str:
    return (
        "Answer in StackStorm (`st2 inquiry list` shows the id):\n"
        f'  st2 inquiry respond {inquiry_id} -r \'{{"approved": true, "comment": "…"}}\'\n'
        f'  st2 inquiry respond {inquiry_id} -r \'{{"approved": false, "comment": "…"}}\''
    )


def approval_request(
    engine: Engine, incident: Incident, inquiry: Inquiry, *, st2_inquiry_id: str = "<inquiry id>"
) -> str:
    """Everything an approver needs in one message: playbook, parameters, target, citations,
    the dry run's diff, the binding, the deadline and how to answer. Outside text is quoted
    and inert: nothing in an alert or a log line can pass for a line of this message."""
    shown = engine.display(incident)
    lines = [
        f"incident {shown.id}: {inert(shown.alert.name)} on {shown.host}",
        proposal_text(shown),
        f"binding: {inquiry.proposal_hash}",
        f"approvers needed: {inquiry.required_approvals}",
        f"expires: {expires_at(inquiry):%Y-%m-%d %H:%M} UTC (ttl {inquiry.ttl} min)",
        "dry run (check mode, diff):",
        quoted(engine.restore(incident.id, inquiry.dry_run) or "(no output)"),
        answer_text(st2_inquiry_id),
    ]
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------- helpers


def _inquiry_for(engine: Engine, incident: Incident, proposal_hash: str) -> Inquiry:
    """The inquiry opened for exactly this proposal. Whether it is still pending is checked
    where the answer is recorded (one transaction): answered or expired is refused there."""
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
        "inquiry_id": outcome.inquiry.id if outcome.inquiry else None,
    }


def _proposal(engine: Engine, outcome: Outcome) -> dict[str, Any]:
    incident, inquiry = engine.display(outcome.incident), outcome.inquiry
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
        "dry_run": engine.restore(incident.id, inquiry.dry_run),
        "request": approval_request(engine, outcome.incident, inquiry),
    }


def _finished(engine: Engine, incident: Incident, waiting_for: int = 0) -> dict[str, Any]:
    return {
        "incident_id": incident.id,
        "status": incident.status.value,
        "waiting_for": waiting_for,
        "verified": incident.status is IncidentStatus.VERIFIED,
        "text": incident_text(engine, incident),
    }

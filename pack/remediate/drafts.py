"""The stakeholder e-mail and the ops summary of an incident, written when it changes hands.

Drafts are for people, so they are rendered from the incident as a person reads it
(:meth:`Engine.display`: real names back, secrets never), with every outside text made
inert. They are stored with the incident and written (0600) to the outbox, where a mail
relay or a human picks them up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from remediate import notify
from remediate.models import Citation, Incident, IncidentStatus

if TYPE_CHECKING:
    from remediate.pipeline import Engine

OUTCOMES = {
    IncidentStatus.VERIFIED: "resolved",
    IncidentStatus.ESCALATED: "escalated",
    IncidentStatus.FAILED: "failed",
    IncidentStatus.REJECTED: "rejected",
    IncidentStatus.EXPIRED: "expired",
}


def record_drafts(engine: Engine, incident: Incident) -> None:
    for draft in notify.render_drafts(draft_context(engine, incident)):
        path = notify.write_outbox(engine.settings.outbox, incident.id, draft)
        engine.store.save_draft(incident.id, draft.kind, draft.subject, draft.body, str(path))


def draft_context(engine: Engine, incident: Incident) -> dict[str, Any]:
    """What the templates see: the incident as a person reads it, and its records."""
    store = engine.store
    shown = engine.display(incident)
    executions = [e for e in store.executions(incident.id) if not e.check_mode]
    writes = [e for e in executions if not e.action.startswith("verify:")]
    verifications = store.verifications(incident.id)
    approvals = [i for i in store.inquiries_for(incident.id) if i.responder]
    return {
        "incident": shown,
        "alert": shown.alert,
        "host": shown.host,
        "outcome": OUTCOMES.get(incident.status, incident.status.value),
        "proposal": shown.proposal,
        "rationale": (shown.proposal.rationale if shown.proposal else shown.escalation_reason)
        or "",
        "escalation": shown.escalation_reason,
        "execution": writes[-1] if writes else None,
        "verification": verifications[-1] if verifications else None,
        "approver": approvals[-1].responder if approvals else None,
        "citations": cited(shown),
        "timeline": store.timeline(incident.id),
    }


def cited(incident: Incident) -> list[Citation]:
    if incident.proposal is None:
        return incident.citations
    refs = set(incident.proposal.citations)
    return [c for c in incident.citations if c.ref in refs or c.id in refs]

from datetime import UTC, datetime

from remediate.intake import normalize
from remediate.models import (
    Citation,
    CitationKind,
    Decision,
    Incident,
    IncidentStatus,
    Proposal,
    TimelineEntry,
)
from remediate.notify import render_drafts, write_outbox


def test_escalation_email_names_the_reason_and_the_evidence(tmp_path):
    [alert] = normalize({"server_id": "db-07", "error_msg": "502 Bad Gateway"})
    incident = Incident(
        id="RMD-1",
        alert=alert,
        status=IncidentStatus.ESCALATED,
        escalation_reason="host db-07 is not in the inventory",
    )
    citation = Citation(
        kind=CitationKind.TICKET,
        id="INC-4092",
        title="app-api crashed",
        date="2026-03-12",
        source="incidents/INC-4092.yaml",
    )
    context = {
        "incident": incident,
        "alert": alert,
        "host": None,
        "outcome": "escalated",
        "proposal": Proposal(decision=Decision.ESCALATE, rationale="r"),
        "rationale": incident.escalation_reason,
        "escalation": incident.escalation_reason,
        "execution": None,
        "verification": None,
        "approver": None,
        "citations": [citation],
        "timeline": [
            TimelineEntry(
                at=datetime(2026, 11, 20, 9, 14, tzinfo=UTC),
                status=IncidentStatus.ESCALATED,
                step="escalated to a human",
            )
        ],
    }
    email, summary = render_drafts(context)
    assert email.subject == "[ESCALATED] 502BadGateway on db-07 (RMD-1)"
    assert "not in the inventory" in email.body and "INC-4092 (2026-03-12)" in email.body
    assert "09:14:00" in email.body
    assert "# RMD-1" in summary.body
    path = write_outbox(tmp_path, "RMD-1", email)
    assert path.read_text().startswith(f"Subject: {email.subject}")

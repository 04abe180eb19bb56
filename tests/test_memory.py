"""Closed incidents as tickets: sanitized, numbered after the existing ones, valid tickets."""

from datetime import date

from remediate.kb import Ticket
from remediate.memory import learned_ticket, next_ticket_id
from remediate.models import (
    Alert,
    AlertSource,
    AlertStatus,
    Citation,
    CitationKind,
    Decision,
    Incident,
    IncidentStatus,
    Observation,
    ObservationStatus,
    Proposal,
)
from remediate.sanitizer import Sanitizer

ALERT = Alert(
    source=AlertSource.PLAIN,
    status=AlertStatus.FIRING,
    name="WebappDown",
    host_hint="web-07",
    summary="502 Bad Gateway from web-07 (10.4.5.6)",
    fingerprint="f",
)


def incident(**update):
    base = Incident(
        id="RMD-20261123-abcdef",
        alert=ALERT,
        host="web-07",
        status=IncidentStatus.VERIFIED,
        proposal=Proposal(
            decision=Decision.PROPOSE,
            action="restart_service",
            host="web-07",
            params={"service": "webapp"},
            rationale="Runbook RB-web-502 recommends restart_service on web-07.",
        ),
        citations=[Citation(kind=CitationKind.RUNBOOK, id="RB-web-502", title="t", section="S")],
    )
    return base.model_copy(update=update)


OBSERVED = [
    Observation(
        action="service_status",
        host="web-07",
        status=ObservationStatus.OK,
        text="webapp EXITED Nov 23 09:14 AM\nuptime fine\nconnect() failed (111: refused)",
    )
]


def test_ticket_ids_follow_the_highest_existing_one():
    assert next_ticket_id(["INC-4215", "INC-3811", "RB-x"]) == "INC-4216"
    assert next_ticket_id([]) == "INC-5001"


def test_a_verified_fix_becomes_a_sanitized_resolved_ticket():
    names = Sanitizer(hosts={"web-07": ["web-07"]}, allow=["webapp", "restart_service"])
    ticket = learned_ticket(
        incident(), OBSERVED, names, ticket_id="INC-4216", today=date(2026, 11, 23)
    )
    assert isinstance(ticket, Ticket)
    dumped = ticket.model_dump_json()
    assert "web-07" not in dumped and "10.4.5.6" not in dumped
    assert (ticket.action, ticket.params, ticket.outcome) == (
        "restart_service",
        {"service": "webapp"},
        "resolved",
    )
    assert ticket.service == "webapp" and ticket.runbook == "RB-web-502"
    assert "refused" in ticket.symptoms and "uptime fine" not in ticket.symptoms


def test_a_human_resolution_keeps_the_note_and_the_action_named():
    names = Sanitizer(hosts={"web-07": ["web-07"]})
    escalated = incident(
        status=IncidentStatus.CLOSED, proposal=None, escalation_reason="dry run failed"
    )
    ticket = learned_ticket(
        escalated,
        [],
        names,
        ticket_id="INC-4217",
        today=date(2026, 11, 23),
        note="freed the port held by a stray process on web-07, then started webapp",
        resolved_by="bob",
        action="kill_process",
    )
    assert ticket.action == "kill_process" and ticket.params == {}
    assert ticket.root_cause == "dry run failed"
    assert ticket.resolution.startswith("Resolved by bob") and "web-07" not in ticket.resolution

"""Learning: a closed incident becomes a sanitized ticket the next similar alert cites.

A verified fix is learned at once; an escalated (failed, rejected, expired) incident is
closed by a human with a note, which is learned too. Ticket ids are reserved atomically
in the store and files are created exclusively: two incidents closing at the same moment
never share an id, and no ticket overwrites another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from remediate.errors import RemediateError
from remediate.kb import write_ticket
from remediate.memory import learned_ticket
from remediate.models import Incident, IncidentStatus, utcnow
from remediate.state import ENDED

if TYPE_CHECKING:
    from remediate.pipeline import Engine

S = IncidentStatus


def learn(
    engine: Engine,
    incident: Incident,
    *,
    note: str | None = None,
    resolved_by: str | None = None,
    action: str | None = None,
) -> str | None:
    """Write the closed incident as a sanitized ticket and index it; never fails the
    incident: a problem lands in the timeline instead."""
    try:
        hint = incident.alert.host_hint
        names = engine.sanitizer_for(
            incident.id, extra_hosts=[hint] if hint and incident.host is None else []
        )
        shown = engine.display(incident)
        ticket_id = engine.store.allocate_ticket_id(incident.id, engine.kb.tickets)
        ticket = learned_ticket(
            shown,
            engine.store.observations(incident.id),
            names,
            ticket_id=ticket_id,
            today=utcnow().date(),
            note=note,
            resolved_by=resolved_by,
            action=action,
        )
        path = write_ticket(ticket, engine.settings.learned_dir)
        engine.index_ticket(path)
    except RemediateError as exc:
        engine.store.note(incident.id, "not learned", engine.scrub(incident.id, str(exc)))
        return None
    engine.store.note(incident.id, "learned", f"{ticket.id} ({ticket.date}) in {path}")
    return ticket.id


def resolve(
    engine: Engine, incident_id: str, note: str, *, user: str, action: str | None = None
) -> Incident:
    """A human closes an incident that needs one (escalated, failed, rejected, expired, or
    verified) with a note; the note becomes a ticket the next similar alert cites."""
    clean = engine.scrub(incident_id, note)
    closed = engine.store.transition(
        incident_id,
        S.CLOSED,
        f"resolved by {user}",
        clean,
        expected=(ENDED | {S.ESCALATED}) - {S.CLOSED},
    )
    learn(engine, closed, note=note, resolved_by=user, action=action)
    return engine.store.get_incident(incident_id)

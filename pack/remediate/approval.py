"""Approval: a human's answer recorded atomically, and inquiries that expire.

An answer is one transaction: the inquiry is read from the store (never from a copy a
caller holds), checked (:func:`remediate.inquiry.respond`), written back only if it is
still what was read, and, when it decides the inquiry, the incident moves
(``awaiting_approval → approved | rejected``) in the same transaction. Of many people
approving at the same moment exactly one decides; the others are told the inquiry is
not pending. Expiry is the same kind of write, so an approval racing an expiry either
wins (and runs) or loses (and nothing runs), never both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from remediate import failpoint
from remediate import inquiry as inquiries
from remediate.drafts import record_drafts
from remediate.errors import InquiryNotPending, StateConflict
from remediate.inert import inert
from remediate.models import Incident, IncidentStatus, Inquiry, InquiryStatus
from remediate.pipeline import Outcome

if TYPE_CHECKING:
    from remediate.pipeline import Engine

S = IncidentStatus


def respond(
    engine: Engine,
    inquiry_id: str,
    response: Mapping[str, Any],
    *,
    user: str,
    execute: bool = True,
    authorized: bool = False,
    via: str = "cli",
) -> Outcome:
    expire_inquiries(engine)
    engine.store.get_inquiry(inquiry_id)  # a clear NotFound before anything else
    failpoint.hit("approval.read")
    role_members = engine.settings.approval.role_members
    with engine.store.atomic() as tx:
        before = tx.inquiry(inquiry_id)
        answered = inquiries.respond(
            before,
            response,
            user=user,
            role_members=role_members,
            authorized=authorized,
            via=via,
        )
        tx.replace_inquiry(before, answered)
        comment = str(response.get("comment") or "")
        said = f" — {inert(comment)}" if comment else ""
        who = f"{user}" + (f" ({via})" if via != "cli" else "")
        if answered.status is InquiryStatus.PENDING:
            have = sum(a.approved for a in answered.answers)
            tx.note(
                answered.incident_id,
                S.AWAITING_APPROVAL,
                f"approval {have} of {answered.required_approvals} by {who}{said}",
            )
            incident = tx.incident(answered.incident_id)
        elif answered.approved:
            incident = tx.move(
                answered.incident_id,
                S.APPROVED,
                f"approved by {answered.responder}" + (f" ({via})" if via != "cli" else "") + said,
                expected={S.AWAITING_APPROVAL},
            )
        else:
            incident = tx.move(
                answered.incident_id,
                S.REJECTED,
                f"rejected by {who}{said}",
                expected={S.AWAITING_APPROVAL},
            )
    failpoint.hit("approval.saved")
    if answered.status is InquiryStatus.PENDING:
        waiting = answered.required_approvals - sum(a.approved for a in answered.answers)
        return Outcome(incident, inquiry=answered, waiting_for=waiting)
    if not answered.approved:
        record_drafts(engine, incident)
        return Outcome(incident, inquiry=answered)
    if not execute:
        return Outcome(incident, inquiry=answered)
    outcome = engine.execute(incident.id)
    outcome.inquiry = answered
    return outcome


def expire_inquiries(engine: Engine) -> list[Inquiry]:
    expired = []
    for pending in engine.store.list_inquiries(InquiryStatus.PENDING):
        current = inquiries.expire_if_due(pending)
        if current.status is InquiryStatus.TIMEOUT and _record_expiry(engine, pending, current):
            expired.append(current)
    return expired


def expire_inquiry(engine: Engine, inquiry_id: str) -> Incident:
    """Expire one inquiry now: its StackStorm ``core.ask`` timed out first."""
    current = engine.store.get_inquiry(inquiry_id)
    expired = inquiries.expire_now(current)
    if current.status is InquiryStatus.PENDING:
        _record_expiry(engine, current, expired)
    return engine.store.get_incident(expired.incident_id)


def _record_expiry(engine: Engine, before: Inquiry, after: Inquiry) -> bool:
    """Time the inquiry out and expire its incident in one transaction; False when someone
    answered (or expired it) first."""
    try:
        with engine.store.atomic() as tx:
            tx.replace_inquiry(before, after)
            incident = tx.move(
                after.incident_id,
                S.EXPIRED,
                f"inquiry {after.id} timed out; nothing ran",
                expected={S.AWAITING_APPROVAL},
            )
    except (InquiryNotPending, StateConflict):
        return False
    record_drafts(engine, incident)
    return True

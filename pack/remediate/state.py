"""The incident state machine: which status may follow which.

::

    received → investigating → proposed → awaiting_approval → approved → executing → verified
                    │              │               ├→ rejected              └→ failed
                    │              │               └→ expired
                    └→ escalated ←─┘ (any open state may escalate)      every end state → closed

A verified incident is learned as a ticket at once; an escalated (failed, rejected,
expired) one is closed by a human with a note (``Engine.resolve``), which is learned too.
"""

from __future__ import annotations

from remediate.errors import InvalidTransition
from remediate.models import IncidentStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.RECEIVED: frozenset({S.INVESTIGATING, S.ESCALATED, S.CLOSED}),
    S.INVESTIGATING: frozenset({S.PROPOSED, S.ESCALATED, S.CLOSED}),
    S.PROPOSED: frozenset({S.AWAITING_APPROVAL, S.ESCALATED}),
    S.AWAITING_APPROVAL: frozenset({S.APPROVED, S.REJECTED, S.EXPIRED, S.ESCALATED}),
    S.APPROVED: frozenset({S.EXECUTING, S.ESCALATED}),
    S.EXECUTING: frozenset({S.VERIFIED, S.FAILED}),
    S.VERIFIED: frozenset({S.CLOSED}),
    S.FAILED: frozenset({S.ESCALATED, S.CLOSED}),
    S.REJECTED: frozenset({S.ESCALATED, S.CLOSED}),
    S.EXPIRED: frozenset({S.ESCALATED, S.CLOSED}),
    S.ESCALATED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}


def can_transition(current: S, new: S) -> bool:
    return new in TRANSITIONS[current]


def transition(current: S, new: S) -> S:
    if not can_transition(current, new):
        raise InvalidTransition(f"an incident cannot go from {current} to {new}")
    return new

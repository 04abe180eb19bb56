"""The incident state machine: which status may follow which, and what each one asks of people.

::

    received → investigating → proposed → awaiting_approval → approved → executing → verified
        │            │              │              ├→ rejected       │           └→ failed
        │            │              │              └→ expired  ←─────┘ (approval no longer valid)
        └────────────┴→ escalated ←─┴── (any state before executing may escalate)
                                                              every end state → closed

Every change is one conditional write (:meth:`remediate.store.Store.transition`): the
stored status decides, never a copy in memory. ``approved → executing`` is the claim that
makes a write run at most once. A state is *live* while the incident needs the machine
or a person; one alert fingerprint has at most one live incident (deduplication).
"""

from __future__ import annotations

from remediate.errors import InvalidTransition
from remediate.models import IncidentStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.RECEIVED: frozenset({S.INVESTIGATING, S.ESCALATED, S.CLOSED}),
    S.INVESTIGATING: frozenset({S.PROPOSED, S.ESCALATED, S.CLOSED}),
    S.PROPOSED: frozenset({S.AWAITING_APPROVAL, S.ESCALATED}),
    S.AWAITING_APPROVAL: frozenset({S.APPROVED, S.REJECTED, S.EXPIRED, S.ESCALATED}),
    S.APPROVED: frozenset({S.EXECUTING, S.EXPIRED, S.ESCALATED}),
    S.EXECUTING: frozenset({S.VERIFIED, S.FAILED}),
    S.VERIFIED: frozenset({S.CLOSED}),
    S.FAILED: frozenset({S.CLOSED}),
    S.REJECTED: frozenset({S.CLOSED}),
    S.EXPIRED: frozenset({S.CLOSED}),
    S.ESCALATED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

WORKING: frozenset[S] = frozenset(
    {S.RECEIVED, S.INVESTIGATING, S.PROPOSED, S.APPROVED, S.EXECUTING}
)
"""A process is working on the incident; it holds a lease (owner, heartbeat) meanwhile."""

LIVE: frozenset[S] = WORKING | {S.AWAITING_APPROVAL, S.ESCALATED}
"""Still being handled, by the machine or by a person: a new firing of the same alert joins
it instead of opening another incident."""

ENDED: frozenset[S] = frozenset(S) - LIVE

HUMAN_ACTIONS: dict[S, str] = {
    S.RECEIVED: "remediate recover (resumes the investigation when its process is gone)",
    S.INVESTIGATING: "remediate recover (resumes the investigation when its process is gone)",
    S.PROPOSED: "remediate recover (runs the dry run again, or escalates)",
    S.AWAITING_APPROVAL: "remediate inquiry respond ID --approve|--reject",
    S.APPROVED: "remediate recover (runs it once if the approval is still valid, else expires)",
    S.EXECUTING: "remediate recover (outcome unknown: verifies read-only, never re-runs)",
    S.ESCALATED: "remediate incident resolve ID --note '…'",
    S.FAILED: "remediate incident resolve ID --note '…'",
    S.REJECTED: "remediate incident resolve ID --note '…' (or nothing: it is over)",
    S.EXPIRED: "remediate incident resolve ID --note '…' (or nothing: it is over)",
    S.VERIFIED: "nothing: fixed and verified",
    S.CLOSED: "nothing",
}
"""The documented command a person uses in each state (README, "Safety model")."""


def can_transition(current: S, new: S) -> bool:
    return new in TRANSITIONS[current]


def transition(current: S, new: S) -> S:
    if not can_transition(current, new):
        raise InvalidTransition(f"an incident cannot go from {current} to {new}")
    return new

"""Approval with StackStorm inquiry semantics, as pure functions over :class:`Inquiry`.

An inquiry is opened for exactly one proposal (its binding hash). A response
is checked in StackStorm's order: is the inquiry still pending (and within its
``ttl``)? is the responder one of ``users`` or a member of one of ``roles`` (and
not excluded by four-eyes)? does the response validate against ``schema``?
Only then is it recorded, with who answered and when. An empty ``users`` and
``roles`` means nobody may answer, never everybody. The policy may need several
distinct approvers (``required_approvals``, two for high-risk actions by
default): the inquiry stays pending until that many have approved; one
rejection ends it. Persistence (one transaction per answer) lives in
:mod:`remediate.store`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import jsonschema

from remediate.errors import (
    ApprovalMismatch,
    InquiryNotPending,
    InvalidResponse,
    ResponderNotAllowed,
)
from remediate.models import APPROVAL_SCHEMA, Answer, Inquiry, InquiryStatus, utcnow


def new_inquiry_id() -> str:
    """80 random bits: collisions are out of reach at any realistic rate."""
    return "inq-" + secrets.token_hex(10)


def open_inquiry(
    *,
    incident_id: str,
    proposal_hash: str,
    users: Sequence[str],
    roles: Sequence[str],
    route: str,
    ttl: int,
    dry_run: str,
    required_approvals: int = 1,
    excluded: Sequence[str] = (),
    now: datetime | None = None,
) -> Inquiry:
    return Inquiry(
        required_approvals=required_approvals,
        excluded=list(excluded),
        id=new_inquiry_id(),
        incident_id=incident_id,
        proposal_hash=proposal_hash,
        schema_=dict(APPROVAL_SCHEMA),
        users=list(users),
        roles=list(roles),
        route=route,
        ttl=ttl,
        dry_run=dry_run,
        created_at=now or utcnow(),
    )


def expires_at(inquiry: Inquiry) -> datetime:
    return inquiry.created_at + timedelta(minutes=inquiry.ttl)


def expire_if_due(inquiry: Inquiry, now: datetime | None = None) -> Inquiry:
    """A pending inquiry past its ttl becomes ``timeout`` (StackStorm's garbage collector)."""
    if inquiry.status is InquiryStatus.PENDING and (now or utcnow()) >= expires_at(inquiry):
        return inquiry.model_copy(update={"status": InquiryStatus.TIMEOUT})
    return inquiry


def respond(
    inquiry: Inquiry,
    response: Mapping[str, Any],
    *,
    user: str,
    role_members: Mapping[str, Sequence[str]],
    now: datetime | None = None,
    authorized: bool = False,
    via: str = "cli",
) -> Inquiry:
    """Check a response in StackStorm's order and return the inquiry with it recorded.

    ``authorized`` says the caller already checked ``users`` and ``roles``: StackStorm's
    inquiry API does, with RBAC we cannot see, before ``core.ask`` returns a response.
    """
    now = now or utcnow()
    current = expire_if_due(inquiry, now)
    if current.status is not InquiryStatus.PENDING:
        raise InquiryNotPending(f"inquiry {inquiry.id} is {current.status}, not pending")
    if user in current.excluded:
        raise ResponderNotAllowed(
            f"{user!r} started this investigation and may not approve it (four-eyes policy)"
        )
    if not authorized and not _allowed(current, user, role_members):
        if not current.users and not current.roles:
            raise ResponderNotAllowed(
                f"nobody may answer inquiry {inquiry.id}: no approvers are configured "
                "(approval.users and approval.roles are empty)"
            )
        raise ResponderNotAllowed(
            f"{user!r} may not answer inquiry {inquiry.id} "
            f"(users: {current.users}, roles: {current.roles})"
        )
    try:
        jsonschema.Draft4Validator(current.schema_).validate(dict(response))
    except jsonschema.ValidationError as exc:
        raise InvalidResponse(f"response does not match the inquiry schema: {exc.message}") from exc
    if any(a.user == user for a in current.answers):
        raise ResponderNotAllowed(
            f"{user!r} already approved inquiry {inquiry.id}; "
            f"it needs {current.required_approvals} distinct approvers"
        )
    approved = response.get("approved") is True
    answer = Answer(
        user=user, approved=approved, at=now, comment=str(response.get("comment", "")), via=via
    )
    answers = [*current.answers, answer]
    decided = not approved or sum(a.approved for a in answers) >= current.required_approvals
    return current.model_copy(
        update={
            "answers": answers,
            "status": InquiryStatus.SUCCEEDED if decided else InquiryStatus.PENDING,
            "response": dict(response) if decided else {},
            "responder": ", ".join(a.user for a in answers) if decided else None,
            "responded_at": now if decided else None,
        }
    )


def _allowed(inquiry: Inquiry, user: str, role_members: Mapping[str, Sequence[str]]) -> bool:
    if user in inquiry.users:
        return True
    return any(user in role_members.get(role, ()) for role in inquiry.roles)


def approval_valid(inquiry: Inquiry, now: datetime | None = None) -> bool:
    """An approval may start its run until the inquiry's own deadline, not after."""
    return inquiry.approved and (now or utcnow()) < expires_at(inquiry)


def expire_now(inquiry: Inquiry) -> Inquiry:
    """Time out a pending inquiry whose StackStorm twin expired, whatever our clock says."""
    if inquiry.status is InquiryStatus.TIMEOUT:
        return inquiry
    if inquiry.status is not InquiryStatus.PENDING:
        raise InquiryNotPending(f"inquiry {inquiry.id} is {inquiry.status}, it cannot expire")
    return inquiry.model_copy(update={"status": InquiryStatus.TIMEOUT})


def require_approval(inquiry: Inquiry, proposal_hash: str) -> None:
    """Refuse to run anything but exactly what this inquiry approved."""
    if not inquiry.approved:
        raise ApprovalMismatch(f"inquiry {inquiry.id} did not approve anything ({inquiry.status})")
    if not secrets.compare_digest(inquiry.proposal_hash, proposal_hash):
        raise ApprovalMismatch(
            f"inquiry {inquiry.id} approved another playbook, parameters or target"
        )

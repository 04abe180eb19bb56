"""Approval with StackStorm inquiry semantics, as pure functions over :class:`Inquiry`.

An inquiry is opened for exactly one proposal (its binding hash). A response
is checked in StackStorm's order: is the inquiry still pending (and within its
``ttl``)? is the responder one of ``users`` or a member of one of ``roles``?
does the response validate against ``schema``? Only then does it succeed,
recording who answered and when. Persistence lives in :mod:`remediate.store`.
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
from remediate.models import APPROVAL_SCHEMA, Inquiry, InquiryStatus, utcnow


def new_inquiry_id() -> str:
    return "inq-" + secrets.token_hex(6)


def open_inquiry(
    *,
    incident_id: str,
    proposal_hash: str,
    users: Sequence[str],
    roles: Sequence[str],
    route: str,
    ttl: int,
    dry_run: str,
    now: datetime | None = None,
) -> Inquiry:
    return Inquiry(
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
) -> Inquiry:
    """Check a response in StackStorm's order and return the answered inquiry.

    ``authorized`` says the caller already checked ``users`` and ``roles``: StackStorm's
    inquiry API does, with RBAC we cannot see, before ``core.ask`` returns a response.
    """
    now = now or utcnow()
    current = expire_if_due(inquiry, now)
    if current.status is not InquiryStatus.PENDING:
        raise InquiryNotPending(f"inquiry {inquiry.id} is {current.status}, not pending")
    if not authorized and not _allowed(current, user, role_members):
        raise ResponderNotAllowed(
            f"{user!r} may not answer inquiry {inquiry.id} "
            f"(users: {current.users or 'any'}, roles: {current.roles or 'any'})"
        )
    try:
        jsonschema.Draft4Validator(current.schema_).validate(dict(response))
    except jsonschema.ValidationError as exc:
        raise InvalidResponse(f"response does not match the inquiry schema: {exc.message}") from exc
    return current.model_copy(
        update={
            "status": InquiryStatus.SUCCEEDED,
            "response": dict(response),
            "responder": user,
            "responded_at": now,
        }
    )


def _allowed(inquiry: Inquiry, user: str, role_members: Mapping[str, Sequence[str]]) -> bool:
    if not inquiry.users and not inquiry.roles:
        return True
    if user in inquiry.users:
        return True
    return any(user in role_members.get(role, ()) for role in inquiry.roles)


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

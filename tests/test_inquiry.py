from datetime import timedelta

import pytest

from remediate.errors import (
    ApprovalMismatch,
    InquiryNotPending,
    InvalidResponse,
    ResponderNotAllowed,
)
from remediate.inquiry import expire_if_due, expire_now, open_inquiry, require_approval, respond
from remediate.models import InquiryStatus, utcnow

ROLES = {"sre": ["bob"]}


def make(users=("alice",), roles=("sre",), ttl=30, now=None, required_approvals=1, excluded=()):
    return open_inquiry(
        required_approvals=required_approvals,
        excluded=excluded,
        incident_id="RMD-1",
        proposal_hash="h" * 64,
        users=list(users),
        roles=list(roles),
        route="oncall",
        ttl=ttl,
        dry_run="would restart",
        now=now,
    )


def test_allowed_user_approves_and_is_recorded():
    answered = respond(
        make(), {"approved": True, "comment": "ok"}, user="alice", role_members=ROLES
    )
    assert answered.status is InquiryStatus.SUCCEEDED and answered.approved
    assert answered.responder == "alice" and answered.responded_at is not None


def test_role_member_may_answer_and_a_rejection_still_succeeds():
    answered = respond(make(), {"approved": False}, user="bob", role_members=ROLES)
    assert answered.status is InquiryStatus.SUCCEEDED and not answered.approved


def test_stackstorm_order_pending_before_user_before_schema():
    done = respond(make(), {"approved": True}, user="alice", role_members=ROLES)
    # An answered inquiry refuses even a stranger with a bad body: "pending?" comes first.
    with pytest.raises(InquiryNotPending):
        respond(done, {"nonsense": 1}, user="mallory", role_members=ROLES)
    # A stranger is refused before the schema is looked at.
    with pytest.raises(ResponderNotAllowed):
        respond(make(), {"nonsense": 1}, user="mallory", role_members=ROLES)
    with pytest.raises(InvalidResponse):
        respond(make(), {"approved": "yes"}, user="alice", role_members=ROLES)
    with pytest.raises(InvalidResponse):
        respond(make(), {"comment": "no decision"}, user="alice", role_members=ROLES)


def test_no_users_and_no_roles_means_nobody():
    with pytest.raises(ResponderNotAllowed, match="no approvers are configured"):
        respond(make(users=(), roles=()), {"approved": True}, user="zoe", role_members={})


def test_high_risk_needs_two_distinct_approvers():
    inquiry = make(required_approvals=2)
    first = respond(inquiry, {"approved": True}, user="alice", role_members=ROLES)
    assert first.status is InquiryStatus.PENDING and not first.approved
    with pytest.raises(ResponderNotAllowed, match="already approved"):
        respond(first, {"approved": True}, user="alice", role_members=ROLES)
    second = respond(first, {"approved": True, "comment": "ok"}, user="bob", role_members=ROLES)
    assert second.approved and [a.user for a in second.answers] == ["alice", "bob"]
    assert second.responder == "alice, bob"


def test_one_rejection_ends_a_quorum():
    first = respond(
        make(required_approvals=2), {"approved": True}, user="alice", role_members=ROLES
    )
    rejected = respond(first, {"approved": False}, user="bob", role_members=ROLES)
    assert rejected.status is InquiryStatus.SUCCEEDED and not rejected.approved


def test_four_eyes_excludes_whoever_triggered_it():
    with pytest.raises(ResponderNotAllowed, match="four-eyes"):
        respond(make(excluded=["alice"]), {"approved": True}, user="alice", role_members=ROLES)


def test_ttl_expires_the_inquiry():
    old = make(ttl=1, now=utcnow() - timedelta(minutes=2))
    assert expire_if_due(old).status is InquiryStatus.TIMEOUT
    with pytest.raises(InquiryNotPending, match="timeout"):
        respond(old, {"approved": True}, user="alice", role_members=ROLES)
    assert expire_if_due(make()).status is InquiryStatus.PENDING


def test_approval_binds_to_exactly_one_proposal():
    approved = respond(make(), {"approved": True}, user="alice", role_members=ROLES)
    require_approval(approved, "h" * 64)
    with pytest.raises(ApprovalMismatch):
        require_approval(approved, "x" * 64)
    rejected = respond(make(), {"approved": False}, user="alice", role_members=ROLES)
    with pytest.raises(ApprovalMismatch):
        require_approval(rejected, "h" * 64)


def test_stackstorm_checked_the_responder_but_the_schema_and_state_still_apply():
    # core.ask enforced users/roles with RBAC we cannot see; we still check the rest.
    answered = respond(
        make(), {"approved": True}, user="stackstorm", role_members=ROLES, authorized=True
    )
    assert answered.approved and answered.responder == "stackstorm"
    with pytest.raises(ResponderNotAllowed):
        respond(make(), {"approved": True}, user="stackstorm", role_members=ROLES)
    with pytest.raises(InvalidResponse):
        respond(make(), {"approved": "yes"}, user="stackstorm", role_members={}, authorized=True)
    with pytest.raises(InquiryNotPending):
        respond(answered, {"approved": True}, user="stackstorm", role_members={}, authorized=True)


def test_expire_now_times_out_a_pending_inquiry_once():
    expired = expire_now(make(ttl=600))
    assert expired.status is InquiryStatus.TIMEOUT
    assert expire_now(expired) == expired, "a second expiry (our own clock got there) is a no-op"
    answered = respond(make(), {"approved": False}, user="alice", role_members=ROLES)
    with pytest.raises(InquiryNotPending):
        expire_now(answered)

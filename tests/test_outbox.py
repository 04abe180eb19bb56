"""The notification outbox on a real SQLite database: rows written with the transition that
causes them (or not at all), idempotent, claimed once, retried with backoff, and released
when the process that claimed them is dead."""

from __future__ import annotations

import os
import socket
import sqlite3
from datetime import timedelta

import pytest

from remediate import outbox
from remediate.errors import StateConflict
from remediate.intake import normalize
from remediate.models import Incident, IncidentStatus, utcnow
from remediate.outbox import NotificationEvent as E
from remediate.outbox import OutboxStatus, Routing
from remediate.store import Store

S = IncidentStatus
ALL = frozenset(E)
ROUTING = Routing(("email", "webhook:chat"), ALL)


def incident(id_: str = "RMD-1") -> Incident:
    [alert] = normalize({"server_id": "srv-prod-04", "error_msg": "502 Bad Gateway"})
    return Incident(id=id_, alert=alert, host="srv-prod-04")


def to_awaiting(store: Store, id_: str = "RMD-1") -> None:
    store.open_incident(incident(id_), "alert received")
    for new in (S.INVESTIGATING, S.PROPOSED, S.AWAITING_APPROVAL):
        store.transition(id_, new, str(new))


def test_a_transition_writes_one_row_per_channel_for_the_events_wanted(tmp_path):
    store = Store(tmp_path / "s.sqlite", routing=ROUTING)
    to_awaiting(store)
    rows = outbox.rows(store)
    assert [(r.incident_id, r.event, r.channel, r.status, r.attempts) for r in rows] == [
        ("RMD-1", E.PROPOSAL, "email", OutboxStatus.PENDING, 0),
        ("RMD-1", E.PROPOSAL, "webhook:chat", OutboxStatus.PENDING, 0),
    ], "received/investigating/proposed are nobody's business; awaiting approval is"
    store.transition("RMD-1", S.REJECTED, "rejected")
    assert [r.event for r in outbox.rows(store)][2:] == [E.REJECTED, E.REJECTED]

    picky = Store(tmp_path / "p.sqlite", routing=Routing(("email",), frozenset({E.VERIFIED})))
    to_awaiting(picky)
    assert outbox.rows(picky) == []
    silent = Store(tmp_path / "n.sqlite")
    to_awaiting(silent)
    assert outbox.rows(silent) == []


def test_rows_commit_or_roll_back_with_their_transition(tmp_path):
    store = Store(tmp_path / "s.sqlite", routing=ROUTING)
    store.open_incident(incident(), "alert received")
    store.transition("RMD-1", S.INVESTIGATING, "investigating")
    store.transition("RMD-1", S.PROPOSED, "proposed")
    with pytest.raises(RuntimeError), store.atomic() as tx:
        tx.move("RMD-1", S.AWAITING_APPROVAL, "inquiry opened")
        assert tx.db.execute("SELECT COUNT(*) FROM notification_outbox").fetchone() == (2,)
        raise RuntimeError("the rest of the step failed")
    assert store.get_incident("RMD-1").status is S.PROPOSED
    assert outbox.rows(store) == [], "a rolled-back transition leaves no message behind"
    with pytest.raises(StateConflict):
        store.transition("RMD-1", S.AWAITING_APPROVAL, "x", expected={S.INVESTIGATING})
    assert outbox.rows(store) == []


def test_enqueueing_again_is_a_no_op(tmp_path):
    store = Store(tmp_path / "s.sqlite", routing=ROUTING)
    to_awaiting(store)
    with store.transaction() as db:
        again = outbox.enqueue(db, "RMD-1", S.AWAITING_APPROVAL, ROUTING)
    assert again == 0 and len(outbox.rows(store)) == 2
    # A second process (the CLI) sharing the database and the configuration: same rows.
    other = Store(tmp_path / "s.sqlite", routing=ROUTING)
    with other.transaction() as db:
        assert outbox.enqueue(db, "RMD-1", S.AWAITING_APPROVAL, ROUTING) == 0
    with pytest.raises(sqlite3.IntegrityError):
        sqlite3.connect(tmp_path / "s.sqlite").execute(
            "INSERT INTO notification_outbox (incident_id, event, channel, status, created_at, "
            "next_attempt_at) VALUES ('RMD-1', 'proposal', 'email', 'pending', 'x', 'x')"
        )


def test_claim_counts_the_attempt_and_no_row_is_claimed_twice(tmp_path):
    store = Store(tmp_path / "s.sqlite", routing=ROUTING)
    to_awaiting(store)
    first = outbox.claim_due(store, limit=1)
    second = outbox.claim_due(Store(tmp_path / "s.sqlite"), limit=5)
    assert [r.channel for r in first] == ["email"] and [r.channel for r in second] == [
        "webhook:chat"
    ]
    assert {r.status for r in first + second} == {OutboxStatus.SENDING}
    assert {r.attempts for r in first + second} == {1}
    assert outbox.claim_due(store) == []
    assert outbox.record_sent(store, first[0])
    assert not outbox.record_sent(store, first[0]), "recorded once"
    [sent] = [r for r in outbox.rows(store) if r.channel == "email"]
    assert sent.status is OutboxStatus.SENT and sent.sent_at is not None


def test_failures_back_off_exponentially_then_fail_for_good(tmp_path):
    store = Store(tmp_path / "s.sqlite", routing=Routing(("email",), ALL))
    to_awaiting(store)
    waits = []
    for attempt in range(1, 4):
        now = utcnow() + timedelta(hours=attempt * 10)  # far enough for any backoff
        [row] = outbox.claim_due(store, now=now)
        assert row.attempts == attempt
        before = utcnow()
        status = outbox.record_failure(
            store, row, "email: the relay answered 451", max_attempts=3, first=2.0, ceiling=5.0
        )
        [stored] = outbox.rows(store)
        waits.append(round((stored.next_attempt_at - before).total_seconds()))
        assert stored.last_error == "email: the relay answered 451"
        assert status is (OutboxStatus.FAILED if attempt == 3 else OutboxStatus.PENDING)
        assert outbox.claim_due(store) == [], "not due before its backoff"
    assert waits[:2] == [2, 4], waits
    assert outbox.claim_due(store, now=utcnow() + timedelta(days=30)) == []
    assert outbox.counts(store)["failed"] == 1
    assert outbox.backoff_delay(10, 2.0, 5.0) == timedelta(seconds=5)


def test_a_permanent_refusal_fails_at_once(tmp_path):
    store = Store(tmp_path / "s.sqlite", routing=Routing(("email",), ALL))
    to_awaiting(store)
    [row] = outbox.claim_due(store)
    status = outbox.record_failure(
        store, row, "HTTP 404", max_attempts=8, first=1, ceiling=1, permanent=True
    )
    assert status is OutboxStatus.FAILED and outbox.rows(store)[0].attempts == 1


def test_claims_of_a_dead_process_are_released_and_live_ones_kept(tmp_path):
    store = Store(tmp_path / "s.sqlite", routing=ROUTING)
    to_awaiting(store)
    mine, theirs = outbox.claim_due(store)
    db = sqlite3.connect(tmp_path / "s.sqlite")
    with db:
        # This host, a pid with another start time: the claim of a process that died.
        dead = f"{socket.gethostname()}:{os.getpid()}:0"
        db.execute("UPDATE notification_outbox SET owner=? WHERE id=?", (dead, theirs.id))
    db.close()
    assert outbox.release_abandoned(store) == 1
    rows = {r.id: r for r in outbox.rows(store)}
    assert rows[mine.id].status is OutboxStatus.SENDING
    assert rows[theirs.id].status is OutboxStatus.PENDING and rows[theirs.id].attempts == 1
    [again] = outbox.claim_due(store)
    assert again.id == theirs.id and again.attempts == 2

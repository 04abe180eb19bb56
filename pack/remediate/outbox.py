"""The notification outbox: who must be told of which status change, durably, exactly once.

A row per (incident, event, channel), unique, written by :meth:`remediate.store.Tx.move` in
the very transaction that changes the status: a committed transition always has its rows, a
rolled-back one never does, and writing them twice is a no-op. Sending happens later, in
whichever process runs :mod:`remediate.notifier` (``remediate serve``, ``remediate notify
--flush``)::

    pending ──claim (attempts+1)──→ sending ──sent──→ sent
       ↑                               │
       └── retry at next_attempt_at ←──┤ (exponential backoff)
                                       └── max attempts, or a permanent refusal → failed

A claim is a conditional write in a ``BEGIN IMMEDIATE`` transaction, so two senders never
take the same row; a claim whose process died (:func:`remediate.lease.owner_alive`) becomes
pending again. Hence the guarantee: every row ends ``sent`` or ``failed`` exactly once in the
record; the receiver gets a message at least once, and twice only if the sending process
died between the receiver's acceptance and the record (the repeat carries the same
``Message-ID`` / ``Idempotency-Key``). Rows hold only the rendered, sanitized text and the
channel's name, never an address with a secret or a password.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from remediate.errors import StoreError
from remediate.lease import owner_alive, process_owner
from remediate.models import IncidentStatus, utcnow

if TYPE_CHECKING:
    from remediate.config import NotificationSettings
    from remediate.store import Store


class NotificationEvent(StrEnum):
    PROPOSAL = "proposal"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    VERIFIED = "verified"
    FAILED = "failed"
    ESCALATED = "escalated"


EVENT_OF: dict[IncidentStatus, NotificationEvent] = {
    IncidentStatus.AWAITING_APPROVAL: NotificationEvent.PROPOSAL,
    IncidentStatus.APPROVED: NotificationEvent.APPROVED,
    IncidentStatus.REJECTED: NotificationEvent.REJECTED,
    IncidentStatus.EXPIRED: NotificationEvent.EXPIRED,
    IncidentStatus.VERIFIED: NotificationEvent.VERIFIED,
    IncidentStatus.FAILED: NotificationEvent.FAILED,
    IncidentStatus.ESCALATED: NotificationEvent.ESCALATED,
}
"""The status an incident enters → the event people are told about."""


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Routing:
    """The channels configured and the events they want (from ``notifications``)."""

    channels: tuple[str, ...]
    events: frozenset[NotificationEvent]

    @classmethod
    def from_settings(cls, settings: NotificationSettings) -> Routing | None:
        channels = settings.channels()
        if not channels:
            return None
        return cls(channels, frozenset(NotificationEvent(e) for e in settings.events))


@dataclass(frozen=True)
class OutboxRow:
    id: int
    incident_id: str
    event: NotificationEvent
    channel: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    subject: str | None
    body: str | None

    @property
    def key(self) -> str:
        """Stable across attempts and processes: receivers may deduplicate on it."""
        return f"{self.incident_id}.{self.event}.{self.channel.replace(':', '-')}"


_COLUMNS = (
    "id, incident_id, event, channel, status, attempts, next_attempt_at, last_error, "
    "sent_at, subject, body"
)


def _stamp(moment: datetime) -> str:
    """Fixed-width ISO text, so that SQLite compares instants as strings correctly."""
    return moment.isoformat(timespec="microseconds")


def _row(values: tuple[object, ...]) -> OutboxRow:
    rid, incident, event, channel, status, attempts, due, error, sent, subject, body = values
    return OutboxRow(
        id=int(str(rid)),
        incident_id=str(incident),
        event=NotificationEvent(str(event)),
        channel=str(channel),
        status=OutboxStatus(str(status)),
        attempts=int(str(attempts)),
        next_attempt_at=datetime.fromisoformat(str(due)),
        last_error=None if error is None else str(error),
        sent_at=None if sent is None else datetime.fromisoformat(str(sent)),
        subject=None if subject is None else str(subject),
        body=None if body is None else str(body),
    )


def enqueue(
    db: sqlite3.Connection, incident_id: str, status: IncidentStatus, routing: Routing
) -> int:
    """Inside the transition's transaction: a pending row per channel, if ``status`` is an
    event people want. Idempotent (the unique key); returns the rows written."""
    event = EVENT_OF.get(status)
    if event is None or event not in routing.events:
        return 0
    now = _stamp(utcnow())
    written = 0
    for channel in routing.channels:
        cur = db.execute(
            "INSERT OR IGNORE INTO notification_outbox "
            "(incident_id, event, channel, status, created_at, next_attempt_at) "
            "VALUES (?,?,?,?,?,?)",
            (incident_id, event, channel, OutboxStatus.PENDING, now, now),
        )
        written += cur.rowcount
    return written


def release_abandoned(store: Store) -> int:
    """Rows a dead process had claimed are pending again (their attempt stays counted)."""
    with store.transaction() as db:
        rows = db.execute(
            "SELECT id, owner, claimed_at FROM notification_outbox WHERE status=?",
            (OutboxStatus.SENDING,),
        ).fetchall()
        released = 0
        for rid, owner, claimed in rows:
            beat = datetime.fromisoformat(claimed) if claimed else None
            if owner and owner_alive(owner, beat):
                continue
            released += db.execute(
                "UPDATE notification_outbox SET status=?, owner=NULL WHERE id=? AND status=?",
                (OutboxStatus.PENDING, rid, OutboxStatus.SENDING),
            ).rowcount
    return released


def claim_due(store: Store, limit: int = 20, now: datetime | None = None) -> list[OutboxRow]:
    """Take up to ``limit`` due rows for this process, counting the attempt now: a message
    whose sending kills its process is still bounded by the maximum of attempts."""
    moment = _stamp(now or utcnow())
    me = process_owner()
    with store.transaction() as db:
        ids = [
            r[0]
            for r in db.execute(
                "SELECT id FROM notification_outbox WHERE status=? AND next_attempt_at<=? "
                "ORDER BY next_attempt_at, id LIMIT ?",
                (OutboxStatus.PENDING, moment, limit),
            )
        ]
        for rid in ids:
            db.execute(
                "UPDATE notification_outbox SET status=?, owner=?, claimed_at=?, "
                "attempts=attempts+1 WHERE id=? AND status=?",
                (OutboxStatus.SENDING, me, moment, rid, OutboxStatus.PENDING),
            )
        marks = ",".join("?" * len(ids))
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM notification_outbox WHERE id IN ({marks}) ORDER BY id",  # noqa: S608
            ids,
        ).fetchall()
    return [_row(r) for r in rows]


def freeze_message(store: Store, row: OutboxRow, subject: str, body: str) -> OutboxRow:
    """Keep the first rendering: every retry sends the same text."""
    with store.transaction() as db:
        db.execute(
            "UPDATE notification_outbox SET subject=?, body=? WHERE id=? AND subject IS NULL",
            (subject, body, row.id),
        )
        stored = db.execute(
            f"SELECT {_COLUMNS} FROM notification_outbox WHERE id=?",  # noqa: S608
            (row.id,),
        ).fetchone()
    return _row(stored)


def record_sent(store: Store, row: OutboxRow) -> bool:
    with store.transaction() as db:
        cur = db.execute(
            "UPDATE notification_outbox SET status=?, sent_at=?, owner=NULL, last_error=NULL "
            "WHERE id=? AND status=? AND owner=?",
            (OutboxStatus.SENT, _stamp(utcnow()), row.id, OutboxStatus.SENDING, process_owner()),
        )
    return cur.rowcount == 1


def backoff_delay(attempts: int, first: float, ceiling: float) -> timedelta:
    """``first`` seconds after the first attempt, doubling, never beyond ``ceiling``."""
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), ceiling))


def record_failure(
    store: Store,
    row: OutboxRow,
    error: str,
    *,
    max_attempts: int,
    first: float,
    ceiling: float,
    permanent: bool = False,
) -> OutboxStatus:
    """Pending again after the backoff, or failed for good; ``error`` must hold no secret."""
    done = permanent or row.attempts >= max_attempts
    status = OutboxStatus.FAILED if done else OutboxStatus.PENDING
    due = utcnow() + backoff_delay(row.attempts, first, ceiling)
    with store.transaction() as db:
        db.execute(
            "UPDATE notification_outbox SET status=?, next_attempt_at=?, last_error=?, "
            "owner=NULL WHERE id=? AND status=? AND owner=?",
            (
                status,
                _stamp(due),
                error[:500],
                row.id,
                OutboxStatus.SENDING,
                process_owner(),
            ),
        )
    return status


def _read(store: Store, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """A plain read on the store's connection: no write lock (``transaction`` takes one)."""
    try:
        return list(store._db.execute(sql, params))
    except sqlite3.Error as exc:
        raise StoreError(f"state database error: {exc}") from exc


def rows(store: Store, incident_id: str | None = None) -> list[OutboxRow]:
    found = _read(
        store,
        f"SELECT {_COLUMNS} FROM notification_outbox "  # noqa: S608
        "WHERE ?1 IS NULL OR incident_id=?1 ORDER BY id",
        (incident_id,),
    )
    return [_row(r) for r in found]


def counts(store: Store) -> dict[str, int]:
    """Rows by status (for ``/metrics`` and ``remediate notify``)."""
    query = "SELECT status, COUNT(*) FROM notification_outbox GROUP BY status"
    found = {str(status): int(str(n)) for status, n in _read(store, query)}
    return {s.value: found.get(s.value, 0) for s in OutboxStatus}


def next_due(store: Store) -> datetime | None:
    [(due,)] = _read(
        store,
        "SELECT MIN(next_attempt_at) FROM notification_outbox WHERE status=?",
        (OutboxStatus.PENDING,),
    )
    return datetime.fromisoformat(str(due)) if due else None

"""The durable alert queue: raw bodies in SQLite (``alert_queue``, migrations m003 and m004).

A row is ``queued`` when accepted, ``taken`` while a worker investigates it, then ``done``
(the incidents it became are listed in ``alert_queue_incidents``) or, after its retries,
``failed`` with the error; a re-delivery of the same notification is stored as ``duplicate``
of the first row and never investigated. The re-delivery key is, per alert, groupKey +
fingerprint + startsAt + status, so Alertmanager's retries and the duplicates an HA pair
sends by design are recognized. Rows ``taken`` by a process that died go back to ``queued``
when the server starts: the engine deduplicates per firing, so a second investigation of the
same alert records a duplicate, never a second incident.

Each thread keeps one long-lived connection (:class:`remediate.store.Store`): the database
file is never opened or closed outside SQLite while other connections hold it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from remediate.intake import Batch
from remediate.models import utcnow
from remediate.store import Store


class QueueStatus(StrEnum):
    QUEUED = "queued"
    TAKEN = "taken"
    DONE = "done"
    DUPLICATE = "duplicate"
    FAILED = "failed"


@dataclass(frozen=True)
class Accepted:
    id: int
    duplicate_of: int | None


@dataclass(frozen=True)
class Job:
    id: int
    body: bytes
    hosts: tuple[str, ...]
    attempts: int


def delivery_key(batch: Batch) -> str:
    """The re-delivery identity of a payload: each alert's group, firing and status."""
    parts = sorted(
        "\x1f".join(
            [
                a.group_key or "",
                a.fingerprint,
                a.starts_at.isoformat() if a.starts_at else "",
                str(a.status),
            ]
        )
        for a in batch.alerts
    )
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()


def batch_hosts(batch: Batch) -> list[str]:
    """The hosts a payload names (lowercase, sorted): the scheduler's unit of exclusion."""
    return sorted({a.host_hint.lower() for a in batch.alerts if a.host_hint})


class AlertQueue:
    """The queue table, through one SQLite connection per thread."""

    SCAN = 200
    """Queued rows looked at per take: enough to pass over bodies for busy hosts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._store()  # creates the file privately and applies the migrations now

    def _store(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.path)
        return store

    def accept(self, body: bytes, key: str, truncated: int, hosts: Collection[str]) -> Accepted:
        """Store the body (committed before this returns) and say whether it is a re-delivery."""
        with self._store().transaction() as db:
            row = db.execute(
                "SELECT id FROM alert_queue WHERE key=? AND duplicate_of IS NULL "
                "ORDER BY id LIMIT 1",
                (key,),
            ).fetchone()
            first = row[0] if row else None
            cursor = db.execute(
                "INSERT INTO alert_queue (received_at, key, body, truncated, status, "
                "duplicate_of, hosts) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    utcnow().isoformat(),
                    key,
                    body,
                    truncated,
                    QueueStatus.QUEUED if first is None else QueueStatus.DUPLICATE,
                    first,
                    json.dumps(sorted(hosts)),
                ),
            )
        assert cursor.lastrowid is not None
        return Accepted(cursor.lastrowid, first)

    def take(self, owner: str, claim: Callable[[tuple[str, ...]], bool]) -> Job | None:
        """The oldest queued body that is due and whose hosts ``claim`` grants (none busy or
        cooling down), marked as taken by ``owner``; None when there is none."""
        now = utcnow().isoformat()
        with self._store().transaction() as db:
            rows = db.execute(
                "SELECT id, hosts FROM alert_queue WHERE status=? "
                "AND (not_before IS NULL OR not_before <= ?) ORDER BY id LIMIT ?",
                (QueueStatus.QUEUED, now, self.SCAN),
            ).fetchall()
            for job_id, hosts_json in rows:
                hosts = tuple(json.loads(hosts_json))
                if not claim(hosts):
                    continue
                taken = db.execute(
                    "UPDATE alert_queue SET status=?, owner=?, attempts=attempts+1 "
                    "WHERE id=? AND status=? RETURNING body, attempts",
                    (QueueStatus.TAKEN, owner, job_id, QueueStatus.QUEUED),
                ).fetchall()  # all: a RETURNING statement left unfinished would hold the database
                if taken:
                    return Job(job_id, bytes(taken[0][0]), hosts, taken[0][1])
        return None

    def finish(self, job_id: int, result: object, incidents: list[tuple[str, bool]]) -> None:
        """Done: the incidents it became (id, duplicate) recorded with it, in one transaction."""
        with self._store().transaction() as db:
            db.execute(
                "UPDATE alert_queue SET status=?, result=?, finished_at=?, error=NULL WHERE id=?",
                (QueueStatus.DONE, json.dumps(result), utcnow().isoformat(), job_id),
            )
            db.executemany(
                "INSERT OR IGNORE INTO alert_queue_incidents VALUES (?, ?, ?)",
                [(job_id, incident, int(duplicate)) for incident, duplicate in incidents],
            )

    def retry_later(self, job_id: int, error: str, delay: float) -> None:
        """A transient failure: queued again, due after ``delay`` seconds."""
        due = (utcnow() + timedelta(seconds=delay)).isoformat()
        with self._store().transaction() as db:
            db.execute(
                "UPDATE alert_queue SET status=?, owner=NULL, not_before=?, error=? WHERE id=?",
                (QueueStatus.QUEUED, due, error, job_id),
            )

    def give_up(self, job_id: int, error: str) -> None:
        with self._store().transaction() as db:
            db.execute(
                "UPDATE alert_queue SET status=?, error=?, finished_at=? WHERE id=?",
                (QueueStatus.FAILED, error, utcnow().isoformat(), job_id),
            )

    def requeue_abandoned(self) -> int:
        """Rows taken by a process that is gone (the server starts: none of ours is running)."""
        with self._store().transaction() as db:
            return db.execute(
                "UPDATE alert_queue SET status=?, owner=NULL WHERE status=?",
                (QueueStatus.QUEUED, QueueStatus.TAKEN),
            ).rowcount

    def counts(self) -> dict[str, int]:
        rows = self._store().read("SELECT status, count(*) FROM alert_queue GROUP BY status", ())
        return {status: n for status, n in rows}

    def deliveries(self, incident_id: str) -> list[dict[str, object]]:
        """The accepted bodies an incident came from, with Alertmanager's ``truncatedAlerts``."""
        rows = self._store().read(
            "SELECT q.id, q.received_at, q.truncated, i.duplicate FROM alert_queue_incidents i "
            "JOIN alert_queue q ON q.id = i.queue_id WHERE i.incident_id=? ORDER BY q.id",
            (incident_id,),
        )
        return [
            {"id": i, "received_at": at, "truncated_alerts": t, "duplicate": bool(d)}
            for i, at, t, d in rows
        ]

"""The durable alert queue: raw bodies in SQLite (table ``alert_queue``, migration m003).

A row is ``queued`` when accepted, ``taken`` while a worker investigates it, then ``done``;
a re-delivery of the same notification is stored as ``duplicate`` of the first row and never
investigated. The re-delivery key is, per alert, groupKey + fingerprint + startsAt + status,
so Alertmanager's retries and the duplicates an HA pair sends by design are recognized. Rows
``taken`` by a process that died go back to ``queued`` when the server starts: the engine
deduplicates per firing, so a second investigation of the same alert records a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from remediate.intake import Batch
from remediate.models import utcnow
from remediate.store import Store


@dataclass(frozen=True)
class Accepted:
    id: int
    duplicate_of: int | None


@dataclass(frozen=True)
class Job:
    id: int
    body: bytes


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


class AlertQueue:
    """One SQLite connection per thread (the server's request and worker threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self.owner = f"{os.getpid()}"
        self._store()  # creates the file privately and applies the migrations now

    def _store(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.path)
        return store

    def close(self) -> None:
        """This thread's connection; the others close with their threads' process."""
        store: Store | None = getattr(self._local, "store", None)
        if store is not None:
            store.close()
            self._local.store = None

    def accept(self, body: bytes, key: str, truncated: int) -> Accepted:
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
                "duplicate_of) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    utcnow().isoformat(),
                    key,
                    body,
                    truncated,
                    "queued" if first is None else "duplicate",
                    first,
                ),
            )
        assert cursor.lastrowid is not None
        return Accepted(cursor.lastrowid, first)

    def take(self) -> Job | None:
        """The oldest queued body, marked as taken by this process; None when empty."""
        with self._store().transaction() as db:
            rows = db.execute(
                "UPDATE alert_queue SET status='taken', owner=? WHERE id = "
                "(SELECT id FROM alert_queue WHERE status='queued' ORDER BY id LIMIT 1) "
                "RETURNING id, body",
                (self.owner,),
            ).fetchall()  # all: a RETURNING statement left unfinished would hold the database
        return Job(rows[0][0], bytes(rows[0][1])) if rows else None

    def finish(self, job_id: int, result: object) -> None:
        with self._store().transaction() as db:
            db.execute(
                "UPDATE alert_queue SET status='done', result=?, finished_at=? WHERE id=?",
                (json.dumps(result), utcnow().isoformat(), job_id),
            )

    def requeue_abandoned(self) -> int:
        """Rows taken by a process that is gone (the server starts: none of ours is running)."""
        with self._store().transaction() as db:
            return db.execute(
                "UPDATE alert_queue SET status='queued', owner=NULL WHERE status='taken'"
            ).rowcount

    def counts(self) -> dict[str, int]:
        with self._store().transaction() as db:
            rows = db.execute("SELECT status, count(*) FROM alert_queue GROUP BY status").fetchall()
        return {status: n for status, n in rows}

"""SQLite persistence: incidents, their timeline, inquiries, runs and drafts.

Schema changes are named, append-only migration functions recorded in the
``_migrations`` table. Every state change of an incident and its timeline
entry are written in one transaction, so a crash never leaves a status
without its history. Only sanitized text and the incident's local pseudonym
map are stored; secrets never are.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from remediate.errors import NotFound, StoreError
from remediate.models import (
    Execution,
    Incident,
    IncidentStatus,
    Inquiry,
    InquiryStatus,
    Observation,
    ObservationStatus,
    TimelineEntry,
    Verification,
    utcnow,
)

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(name: str) -> Callable[[Migration], Migration]:
    def register(fn: Migration) -> Migration:
        MIGRATIONS.append((name, fn))
        return fn

    return register


@migration("m001_initial")
def _m001(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE incidents (
            id TEXT PRIMARY KEY, status TEXT NOT NULL, fingerprint TEXT NOT NULL,
            host TEXT, body TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE INDEX incidents_fingerprint ON incidents(fingerprint, status);
        CREATE TABLE timeline (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id TEXT NOT NULL REFERENCES incidents(id),
            at TEXT NOT NULL, status TEXT NOT NULL, step TEXT NOT NULL, detail TEXT NOT NULL);
        CREATE TABLE observations (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id TEXT NOT NULL REFERENCES incidents(id),
            action TEXT NOT NULL, host TEXT NOT NULL, status TEXT NOT NULL, text TEXT NOT NULL,
            collected_at TEXT NOT NULL);
        CREATE TABLE pseudonyms (
            incident_id TEXT PRIMARY KEY REFERENCES incidents(id), mapping TEXT NOT NULL);
        CREATE TABLE inquiries (
            id TEXT PRIMARY KEY, incident_id TEXT NOT NULL REFERENCES incidents(id),
            status TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL);
        CREATE TABLE executions (
            run_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL REFERENCES incidents(id),
            check_mode INTEGER NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL);
        CREATE TABLE verifications (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id TEXT NOT NULL REFERENCES incidents(id),
            status TEXT NOT NULL, body TEXT NOT NULL);
        CREATE TABLE drafts (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id TEXT NOT NULL REFERENCES incidents(id),
            kind TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, path TEXT);
        """,
    )


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Statement by statement: ``executescript`` would commit the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


class Store:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open state database {self.path}: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"state database error: {exc}") from exc

    def _migrate(self) -> None:
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        done = {row[0] for row in self._db.execute("SELECT name FROM _migrations")}
        for name, fn in MIGRATIONS:
            if name in done:
                continue
            with self.transaction() as db:
                fn(db)
                db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, utcnow().isoformat()))

    # ------------------------------------------------------------------ incidents

    def save_incident(
        self, incident: Incident, step: str, detail: str = "", *, new: bool = False
    ) -> Incident:
        """Write the incident and append one timeline entry, atomically."""
        incident = incident.model_copy(update={"updated_at": utcnow()})
        body = incident.model_dump_json()
        with self.transaction() as db:
            if new:
                db.execute(
                    "INSERT INTO incidents VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        incident.id,
                        incident.status,
                        incident.alert.fingerprint,
                        incident.host,
                        body,
                        incident.created_at.isoformat(),
                        incident.updated_at.isoformat(),
                    ),
                )
            else:
                cur = db.execute(
                    "UPDATE incidents SET status=?, host=?, body=?, updated_at=? WHERE id=?",
                    (
                        incident.status,
                        incident.host,
                        body,
                        incident.updated_at.isoformat(),
                        incident.id,
                    ),
                )
                if cur.rowcount != 1:
                    raise NotFound(f"no incident {incident.id}")
            db.execute(
                "INSERT INTO timeline (incident_id, at, status, step, detail) VALUES (?,?,?,?,?)",
                (incident.id, incident.updated_at.isoformat(), incident.status, step, detail),
            )
        return incident

    def get_incident(self, incident_id: str) -> Incident:
        row = self._db.execute("SELECT body FROM incidents WHERE id=?", (incident_id,)).fetchone()
        if row is None:
            raise NotFound(f"no incident {incident_id}")
        return Incident.model_validate_json(row[0])

    def list_incidents(self, limit: int = 50) -> list[Incident]:
        rows = self._db.execute(
            "SELECT body FROM incidents ORDER BY created_at DESC LIMIT ?", (limit,)
        )
        return [Incident.model_validate_json(r[0]) for r in rows]

    def open_incident_for(self, fingerprint: str) -> Incident | None:
        """An incident for the same alert that is still being handled (dedup of re-sends)."""
        closed = (IncidentStatus.CLOSED, IncidentStatus.VERIFIED, IncidentStatus.ESCALATED)
        row = self._db.execute(
            "SELECT body FROM incidents WHERE fingerprint=? AND status NOT IN (?,?,?) "
            "ORDER BY created_at DESC LIMIT 1",
            (fingerprint, *closed),
        ).fetchone()
        return Incident.model_validate_json(row[0]) if row else None

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        rows = self._db.execute(
            "SELECT at, status, step, detail FROM timeline WHERE incident_id=? ORDER BY seq",
            (incident_id,),
        )
        return [
            TimelineEntry(
                at=datetime.fromisoformat(at), status=IncidentStatus(st), step=step, detail=detail
            )
            for at, st, step, detail in rows
        ]

    # ------------------------------------------------------------------ evidence

    def save_observation(self, incident_id: str, observation: Observation) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO observations (incident_id, action, host, status, text, collected_at) "
                "VALUES (?,?,?,?,?,?)",
                (
                    incident_id,
                    observation.action,
                    observation.host,
                    observation.status,
                    observation.text,
                    observation.collected_at.isoformat(),
                ),
            )

    def observations(self, incident_id: str) -> list[Observation]:
        rows = self._db.execute(
            "SELECT action, host, status, text, collected_at FROM observations "
            "WHERE incident_id=? ORDER BY seq",
            (incident_id,),
        )
        return [
            Observation(
                action=a,
                host=h,
                status=ObservationStatus(s),
                text=t,
                collected_at=datetime.fromisoformat(c),
            )
            for a, h, s, t, c in rows
        ]

    def save_mapping(self, incident_id: str, mapping: dict[str, str]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO pseudonyms VALUES (?, ?) "
                "ON CONFLICT(incident_id) DO UPDATE SET mapping=excluded.mapping",
                (incident_id, json.dumps(mapping)),
            )

    def mapping(self, incident_id: str) -> dict[str, str]:
        row = self._db.execute(
            "SELECT mapping FROM pseudonyms WHERE incident_id=?", (incident_id,)
        ).fetchone()
        result: dict[str, str] = json.loads(row[0]) if row else {}
        return result

    # ------------------------------------------------------------------ approval and runs

    def save_inquiry(self, inquiry: Inquiry) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO inquiries VALUES (?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                "status=excluded.status, body=excluded.body",
                (
                    inquiry.id,
                    inquiry.incident_id,
                    inquiry.status,
                    inquiry.model_dump_json(by_alias=True),
                    inquiry.created_at.isoformat(),
                ),
            )

    def get_inquiry(self, inquiry_id: str) -> Inquiry:
        row = self._db.execute("SELECT body FROM inquiries WHERE id=?", (inquiry_id,)).fetchone()
        if row is None:
            raise NotFound(f"no inquiry {inquiry_id}")
        return Inquiry.model_validate_json(row[0])

    def list_inquiries(self, status: InquiryStatus | None = None) -> list[Inquiry]:
        if status is None:
            rows = self._db.execute("SELECT body FROM inquiries ORDER BY created_at DESC")
        else:
            rows = self._db.execute(
                "SELECT body FROM inquiries WHERE status=? ORDER BY created_at DESC", (status,)
            )
        return [Inquiry.model_validate_json(r[0]) for r in rows]

    def inquiries_for(self, incident_id: str) -> list[Inquiry]:
        rows = self._db.execute(
            "SELECT body FROM inquiries WHERE incident_id=? ORDER BY created_at", (incident_id,)
        )
        return [Inquiry.model_validate_json(r[0]) for r in rows]

    def save_execution(self, incident_id: str, execution: Execution) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO executions VALUES (?,?,?,?,?)",
                (
                    execution.run_id,
                    incident_id,
                    int(execution.check_mode),
                    execution.status,
                    execution.model_dump_json(),
                ),
            )

    def executions(self, incident_id: str) -> list[Execution]:
        rows = self._db.execute(
            "SELECT body FROM executions WHERE incident_id=? ORDER BY rowid", (incident_id,)
        )
        return [Execution.model_validate_json(r[0]) for r in rows]

    def save_verification(self, incident_id: str, verification: Verification) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO verifications (incident_id, status, body) VALUES (?,?,?)",
                (incident_id, verification.status, verification.model_dump_json()),
            )

    def verifications(self, incident_id: str) -> list[Verification]:
        rows = self._db.execute(
            "SELECT body FROM verifications WHERE incident_id=? ORDER BY seq", (incident_id,)
        )
        return [Verification.model_validate_json(r[0]) for r in rows]

    def save_draft(
        self, incident_id: str, kind: str, subject: str, body: str, path: str | None
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO drafts (incident_id, kind, subject, body, path) VALUES (?,?,?,?,?)",
                (incident_id, kind, subject, body, path),
            )

    def drafts(self, incident_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT kind, subject, body, path FROM drafts WHERE incident_id=? ORDER BY seq",
            (incident_id,),
        )
        return [{"kind": k, "subject": s, "body": b, "path": p} for k, s, b, p in rows]

"""SQLite persistence: incidents, their timeline, inquiries, runs and drafts.

Schema changes are named, append-only migration functions recorded in the
``_migrations`` table. Every state change is one conditional write in one
``BEGIN IMMEDIATE`` transaction: the stored status is read inside it, checked,
and written back with ``UPDATE … WHERE id = ? AND status = ?`` (row count
checked), together with its timeline entry and whatever else belongs to the
same step (an inquiry's answer, a lease). The stored state decides, never a
copy in memory, and a crash never leaves a status without its history.
Only sanitized text and the incident's local pseudonym map are stored;
secrets never are. The database file is private to its owner (0600).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from remediate.errors import InquiryNotPending, NotFound, StateConflict, StoreError
from remediate.lease import owner_alive, process_owner
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
from remediate.state import LIVE, WORKING, transition

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


@migration("m002_leases_dedup_tickets")
def _m002(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        ALTER TABLE incidents ADD COLUMN starts_at TEXT;
        ALTER TABLE incidents ADD COLUMN owner TEXT;
        ALTER TABLE incidents ADD COLUMN heartbeat TEXT;
        CREATE INDEX incidents_firing ON incidents(fingerprint, starts_at);
        CREATE INDEX incidents_status ON incidents(status);
        CREATE TABLE ticket_ids (
            id TEXT PRIMARY KEY, number INTEGER NOT NULL UNIQUE,
            incident_id TEXT NOT NULL, at TEXT NOT NULL);
        """,
    )


@migration("m003_alert_queue")
def _m003(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE alert_queue (
            id INTEGER PRIMARY KEY AUTOINCREMENT, received_at TEXT NOT NULL,
            key TEXT NOT NULL, body BLOB NOT NULL, truncated INTEGER NOT NULL,
            status TEXT NOT NULL, duplicate_of INTEGER REFERENCES alert_queue(id),
            owner TEXT, result TEXT, finished_at TEXT);
        CREATE INDEX alert_queue_key ON alert_queue(key);
        CREATE INDEX alert_queue_status ON alert_queue(status, id);
        """,
    )


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Statement by statement: ``executescript`` would commit the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@dataclass(frozen=True)
class Opened:
    incident: Incident
    duplicate: bool


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by its owner only: the state directory holds
    incident records, pseudonym maps and run directories."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Tx:
    """The reads and conditional writes of one transaction (:meth:`Store.atomic`)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def incident(self, incident_id: str) -> Incident:
        row = self.db.execute("SELECT body FROM incidents WHERE id=?", (incident_id,)).fetchone()
        if row is None:
            raise NotFound(f"no incident {incident_id}")
        return Incident.model_validate_json(row[0])

    def move(
        self,
        incident_id: str,
        new: IncidentStatus,
        step: str,
        detail: str = "",
        *,
        expected: Collection[IncidentStatus] | None = None,
        updates: Mapping[str, Any] | None = None,
        takeover: bool = False,
    ) -> Incident:
        """The one function every status change goes through.

        Reads the stored incident; refuses (:class:`StateConflict`, nothing written)
        unless its status is in ``expected`` and, while a process works on it, that
        process is this one (``takeover``: or a dead one, for recovery); checks the state
        machine; writes with ``WHERE status = ?`` (row count checked); adds the timeline
        entry. ``new`` equal to the stored status re-takes the lease (recovery only).
        """
        me = process_owner()
        row = self.db.execute(
            "SELECT body, owner, heartbeat FROM incidents WHERE id=?", (incident_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no incident {incident_id}")
        current = Incident.model_validate_json(row[0])
        owner, beat = row[1], _time(row[2])
        if expected is not None and current.status not in expected:
            raise StateConflict(
                f"incident {incident_id} is {current.status}, not "
                f"{' or '.join(sorted(s.value for s in expected))}; nothing was done"
            )
        held = owner and owner != me and current.status in WORKING
        if held and (not takeover or owner_alive(owner, beat)):
            raise StateConflict(f"incident {incident_id} is {current.status} and owned by {owner}")
        if new is not current.status:
            transition(current.status, new)
        elif not takeover:
            raise StateConflict(f"incident {incident_id} is already {new}")
        now = utcnow()
        moved = current.model_copy(update={**(updates or {}), "status": new, "updated_at": now})
        cur = self.db.execute(
            "UPDATE incidents SET status=?, host=?, body=?, updated_at=?, owner=?, "
            "heartbeat=? WHERE id=? AND status=?",
            (
                moved.status,
                moved.host,
                moved.model_dump_json(),
                now.isoformat(),
                me if new in WORKING else None,
                now.isoformat(),
                incident_id,
                current.status,
            ),
        )
        if cur.rowcount != 1:
            raise StateConflict(f"incident {incident_id} changed underneath; nothing was done")
        self.note(incident_id, new, step, detail)
        return moved

    def note(self, incident_id: str, status: IncidentStatus, step: str, detail: str = "") -> None:
        self.db.execute(
            "INSERT INTO timeline (incident_id, at, status, step, detail) VALUES (?,?,?,?,?)",
            (incident_id, utcnow().isoformat(), status, step, detail),
        )

    def inquiry(self, inquiry_id: str) -> Inquiry:
        row = self.db.execute("SELECT body FROM inquiries WHERE id=?", (inquiry_id,)).fetchone()
        if row is None:
            raise NotFound(f"no inquiry {inquiry_id}")
        return Inquiry.model_validate_json(row[0])

    def insert_inquiry(self, inquiry: Inquiry) -> None:
        self.db.execute(
            "INSERT INTO inquiries VALUES (?,?,?,?,?)",
            (
                inquiry.id,
                inquiry.incident_id,
                inquiry.status,
                inquiry.model_dump_json(by_alias=True),
                inquiry.created_at.isoformat(),
            ),
        )

    def replace_inquiry(self, before: Inquiry, after: Inquiry) -> None:
        """Write ``after`` only if the stored inquiry is still exactly ``before`` (status
        and answers); otherwise nothing is written."""
        cur = self.db.execute(
            "UPDATE inquiries SET status=?, body=? WHERE id=? AND status=? AND body=?",
            (
                after.status,
                after.model_dump_json(by_alias=True),
                after.id,
                before.status,
                before.model_dump_json(by_alias=True),
            ),
        )
        if cur.rowcount != 1:
            raise InquiryNotPending(f"inquiry {after.id} was answered or expired meanwhile")


class Store:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            private_dir(self.path.parent)
            if not self.path.exists():
                # Only for a new file: closing any descriptor of a database file drops every
                # POSIX lock this process holds on it, including those of other connections
                # (the server's threads), which lets SQLite corrupt a WAL database.
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                os.close(fd)
            os.chmod(self.path, 0o600)  # SQLite gives its -wal and -shm files the same mode
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
                if db.execute("SELECT 1 FROM _migrations WHERE name=?", (name,)).fetchone():
                    continue  # another process migrated first
                fn(db)
                db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, utcnow().isoformat()))

    # ------------------------------------------------------------------ incidents

    def open_incident(self, incident: Incident, step: str, detail: str = "") -> Opened:
        """Record a new incident for an alert, unless the alert is already handled.

        One transaction: a live incident of the same fingerprint, or any incident of this
        very firing (same fingerprint and ``startsAt``: a re-sent notification), makes it a
        duplicate, noted on that incident's timeline. Otherwise the incident is inserted,
        owned by this process, linked to the previous incident of the fingerprint if any.
        """
        alert = incident.alert
        starts = alert.starts_at.isoformat() if alert.starts_at else None
        live = tuple(s.value for s in LIVE)
        with self.transaction() as db:
            row = db.execute(
                f"SELECT body FROM incidents WHERE fingerprint=? AND status IN "  # noqa: S608
                f"({','.join('?' * len(live))}) ORDER BY created_at DESC LIMIT 1",
                (alert.fingerprint, *live),
            ).fetchone()
            if row is None and starts is not None:
                row = db.execute(
                    "SELECT body FROM incidents WHERE fingerprint=? AND starts_at=? "
                    "ORDER BY created_at DESC LIMIT 1",
                    (alert.fingerprint, starts),
                ).fetchone()
            if row is not None:
                existing = Incident.model_validate_json(row[0])
                why = "re-sent notification" if existing.status not in LIVE else "still live"
                Tx(db).note(
                    existing.id, existing.status, "duplicate notification", f"{why}: {detail}"
                )
                return Opened(existing, duplicate=True)
            previous = db.execute(
                "SELECT id FROM incidents WHERE fingerprint=? ORDER BY created_at DESC LIMIT 1",
                (alert.fingerprint,),
            ).fetchone()
            if previous is not None:
                incident = incident.model_copy(update={"previous_id": previous[0]})
            now = utcnow()
            incident = incident.model_copy(update={"created_at": now, "updated_at": now})
            try:
                db.execute(
                    "INSERT INTO incidents (id, status, fingerprint, host, body, created_at, "
                    "updated_at, starts_at, owner, heartbeat) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        incident.id,
                        incident.status,
                        alert.fingerprint,
                        incident.host,
                        incident.model_dump_json(),
                        now.isoformat(),
                        now.isoformat(),
                        starts,
                        process_owner() if incident.status in WORKING else None,
                        now.isoformat(),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise StateConflict(f"incident id {incident.id} is taken: {exc}") from exc
            Tx(db).note(incident.id, incident.status, step, detail)
        return Opened(incident, duplicate=False)

    @contextmanager
    def atomic(self) -> Iterator[Tx]:
        """One ``BEGIN IMMEDIATE`` transaction for a step that reads and writes several
        rows (an inquiry's answer and the incident's move): all of it or none of it."""
        with self.transaction() as db:
            yield Tx(db)

    def transition(
        self,
        incident_id: str,
        new: IncidentStatus,
        step: str,
        detail: str = "",
        *,
        expected: Collection[IncidentStatus] | None = None,
        updates: Mapping[str, Any] | None = None,
        takeover: bool = False,
    ) -> Incident:
        """Move an incident to ``new`` in a transaction of its own (see :meth:`Tx.move`)."""
        with self.atomic() as tx:
            return tx.move(
                incident_id,
                new,
                step,
                detail,
                expected=expected,
                updates=updates,
                takeover=takeover,
            )

    def update(
        self, incident_id: str, updates: Mapping[str, Any], step: str, detail: str = ""
    ) -> Incident:
        """Change fields (not the status) of an incident this process works on, with a
        timeline entry; refused when the incident moved on."""
        with self.transaction() as db:
            current = Tx(db).incident(incident_id)
            moved = current.model_copy(update={**updates, "updated_at": utcnow()})
            cur = db.execute(
                "UPDATE incidents SET host=?, body=?, updated_at=? WHERE id=? AND status=?",
                (
                    moved.host,
                    moved.model_dump_json(),
                    moved.updated_at.isoformat(),
                    incident_id,
                    current.status,
                ),
            )
            if cur.rowcount != 1:
                raise StateConflict(f"incident {incident_id} changed underneath; nothing was done")
            Tx(db).note(incident_id, current.status, step, detail)
        return moved

    def note(self, incident_id: str, step: str, detail: str = "") -> None:
        """A timeline entry without a change of status."""
        with self.atomic() as tx:
            tx.note(incident_id, tx.incident(incident_id).status, step, detail)

    def lease(self, incident_id: str) -> tuple[str | None, datetime | None]:
        row = self._db.execute(
            "SELECT owner, heartbeat FROM incidents WHERE id=?", (incident_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no incident {incident_id}")
        return row[0], _time(row[1])

    def incidents_in(self, statuses: Iterable[IncidentStatus]) -> list[Incident]:
        wanted = tuple(s.value for s in statuses)
        rows = self._db.execute(
            f"SELECT body FROM incidents WHERE status IN ({','.join('?' * len(wanted))}) "  # noqa: S608
            "ORDER BY created_at",
            wanted,
        )
        return [Incident.model_validate_json(r[0]) for r in rows]

    def get_incident(self, incident_id: str) -> Incident:
        return Tx(self._db).incident(incident_id)

    def incident_for_workflow(self, workflow: str) -> Incident | None:
        """The incident a StackStorm workflow execution investigated."""
        row = self._db.execute(
            "SELECT body FROM incidents WHERE json_extract(body, '$.st2_workflow') = ? "
            "ORDER BY created_at DESC LIMIT 1",
            (workflow,),
        ).fetchone()
        return Incident.model_validate_json(row[0]) if row else None

    def list_incidents(self, limit: int = 50) -> list[Incident]:
        rows = self._db.execute(
            "SELECT body FROM incidents ORDER BY created_at DESC LIMIT ?", (limit,)
        )
        return [Incident.model_validate_json(r[0]) for r in rows]

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

    # ------------------------------------------------------------------ learned tickets

    def allocate_ticket_id(self, incident_id: str, taken: Iterable[str]) -> str:
        """The next ``INC-n`` above every ticket known (the knowledge base's and every id
        given out before), reserved atomically: two incidents never share one."""
        numbers = [int(m[1]) for t in taken if (m := re.fullmatch(r"INC-(\d+)", t))]
        with self.transaction() as db:
            (allocated,) = db.execute("SELECT MAX(number) FROM ticket_ids").fetchone()
            number = max([*numbers, allocated or 0, 5000]) + 1
            ticket_id = f"INC-{number}"
            db.execute(
                "INSERT INTO ticket_ids VALUES (?,?,?,?)",
                (ticket_id, number, incident_id, utcnow().isoformat()),
            )
        return ticket_id

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

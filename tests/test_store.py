import os
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from remediate.errors import InquiryNotPending, InvalidTransition, NotFound, StateConflict
from remediate.inquiry import open_inquiry
from remediate.intake import normalize
from remediate.models import Incident, IncidentStatus, InquiryStatus
from remediate.store import MIGRATIONS, Store

S = IncidentStatus


def incident(id_="RMD-1", starts="2026-11-20T09:14:02Z", msg="502 Bad Gateway"):
    [alert] = normalize({"server_id": "srv-prod-04", "error_msg": msg, "timestamp": starts})
    return Incident(id=id_, alert=alert, host="srv-prod-04")


def test_incident_and_timeline_round_trip(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    opened = store.open_incident(incident(), "alert received")
    assert not opened.duplicate
    store.transition("RMD-1", S.INVESTIGATING, "investigating", expected={S.RECEIVED})
    reopened = Store(tmp_path / "s.sqlite")
    assert reopened.get_incident("RMD-1").status is S.INVESTIGATING
    assert [e.step for e in reopened.timeline("RMD-1")] == ["alert received", "investigating"]


def test_migrations_are_recorded_once(tmp_path):
    Store(tmp_path / "s.sqlite")
    Store(tmp_path / "s.sqlite")
    rows = sqlite3.connect(tmp_path / "s.sqlite").execute("SELECT name FROM _migrations").fetchall()
    assert [r[0] for r in rows] == [name for name, _ in MIGRATIONS]


def test_database_and_directory_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        store = Store(tmp_path / "state" / "s.sqlite")
        store.open_incident(incident(), "alert received")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700
    for name in ("s.sqlite", "s.sqlite-wal", "s.sqlite-shm"):
        path = tmp_path / "state" / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name


def _in_another_process(database, code):
    """Run ``code`` with ``db`` (a plain sqlite3 connection to ``database``) in a child
    process that closes its connection at the end, as a CLI command does."""
    script = f"import sqlite3\ndb = sqlite3.connect({str(database)!r})\n{code}\ndb.close()\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_opening_another_store_keeps_the_commits_of_the_first(tmp_path):
    """Opening a second Store in the process (a server's request thread) while a first one is
    in use (a worker thread), then a short-lived other process (the CLI): nothing the first
    connection commits afterwards may be lost. Closing a descriptor of the database file
    outside SQLite used to drop the first connection's locks, so the other process deleted
    the write-ahead log under it and the later commits vanished."""
    path = tmp_path / "state" / "s.sqlite"
    worker = Store(path)
    worker.allocate_ticket_id("RMD-1", [])
    Store(path)  # a request thread's connection, opened while the worker's is in use
    assert (
        _in_another_process(
            path, "print(db.execute('SELECT count(*) FROM ticket_ids').fetchone()[0])"
        )
        == "1"
    )
    for n in range(2, 12):
        worker.allocate_ticket_id(f"RMD-{n}", [])
    count = _in_another_process(
        path, "print(db.execute('SELECT count(*) FROM ticket_ids').fetchone()[0])"
    )
    assert count == "11"
    assert Path(f"{path}-wal").exists()  # the log the worker writes to is still the live one


def test_transition_is_checked_against_the_stored_status(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    store.open_incident(incident(), "alert received")
    with pytest.raises(StateConflict, match="is received, not investigating"):
        store.transition("RMD-1", S.PROPOSED, "proposed", expected={S.INVESTIGATING})
    with pytest.raises(InvalidTransition):
        store.transition("RMD-1", S.EXECUTING, "executing")
    assert store.get_incident("RMD-1").status is S.RECEIVED
    assert [e.step for e in store.timeline("RMD-1")] == ["alert received"]


def test_a_working_incident_belongs_to_its_process(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    store.open_incident(incident(), "alert received")
    db = sqlite3.connect(tmp_path / "s.sqlite")
    # Another process on this host that is alive: pid 1, with its real start time.
    from remediate.lease import start_time

    db.execute("UPDATE incidents SET owner=?", (f"{os.uname().nodename}:1:{start_time(1)}",))
    db.commit()
    with pytest.raises(StateConflict, match="owned by"):
        store.transition("RMD-1", S.INVESTIGATING, "investigating", takeover=True)
    # A dead owner (a start time that pid 1 does not have) may be taken over by recovery only.
    db.execute("UPDATE incidents SET owner=?", (f"{os.uname().nodename}:1:0",))
    db.commit()
    with pytest.raises(StateConflict):
        store.transition("RMD-1", S.INVESTIGATING, "investigating")
    moved = store.transition("RMD-1", S.INVESTIGATING, "investigating", takeover=True)
    assert moved.status is S.INVESTIGATING


def test_missing_incident_leaves_no_partial_record(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    with pytest.raises(NotFound):
        store.transition("RMD-missing", S.INVESTIGATING, "step")
    assert store.timeline("RMD-missing") == []
    with pytest.raises(NotFound):
        store.get_incident("RMD-missing")


def test_a_live_incident_absorbs_new_firings_and_resends(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    first = store.open_incident(incident("RMD-1"), "alert received")
    again = store.open_incident(incident("RMD-2", starts="2026-11-20T10:00:00Z"), "alert received")
    assert again.duplicate and again.incident.id == "RMD-1"
    assert [e.step for e in store.timeline("RMD-1")][-1] == "duplicate notification"
    assert not first.duplicate


def test_escalated_stays_live_and_ended_incidents_let_a_new_firing_in(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    store.open_incident(incident("RMD-1"), "alert received")
    store.transition("RMD-1", S.ESCALATED, "escalated")
    # An escalated incident waits for a human: re-sends do not open a new one (nor a new mail).
    assert store.open_incident(incident("RMD-2"), "again").duplicate
    store.transition("RMD-1", S.CLOSED, "resolved by bob")
    # The same firing sent again after it ended is still the same firing: idempotent.
    resent = store.open_incident(incident("RMD-3"), "again")
    assert resent.duplicate and resent.incident.id == "RMD-1"
    # A new firing (another startsAt) after it ended is a new incident, linked to the old one.
    new = store.open_incident(incident("RMD-4", starts="2026-11-21T00:00:00Z"), "fired again")
    assert not new.duplicate and new.incident.previous_id == "RMD-1"


@pytest.mark.parametrize("ended", [S.REJECTED, S.EXPIRED, S.FAILED])
def test_rejected_expired_and_failed_incidents_have_ended(tmp_path, ended):
    store = Store(tmp_path / "s.sqlite")
    store.open_incident(incident("RMD-1"), "alert received")
    path = {
        S.REJECTED: [S.INVESTIGATING, S.PROPOSED, S.AWAITING_APPROVAL, S.REJECTED],
        S.EXPIRED: [S.INVESTIGATING, S.PROPOSED, S.AWAITING_APPROVAL, S.EXPIRED],
        S.FAILED: [
            S.INVESTIGATING,
            S.PROPOSED,
            S.AWAITING_APPROVAL,
            S.APPROVED,
            S.EXECUTING,
            S.FAILED,
        ],
    }[ended]
    for status in path:
        store.transition("RMD-1", status, status.value)
    new = store.open_incident(incident("RMD-2", starts="2026-11-21T00:00:00Z"), "fired again")
    assert not new.duplicate and new.incident.previous_id == "RMD-1"


def test_inquiry_answer_is_written_only_over_what_was_read(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    store.open_incident(incident(), "alert received")
    inq = open_inquiry(
        incident_id="RMD-1",
        proposal_hash="h",
        users=["alice"],
        roles=[],
        route="r",
        ttl=5,
        dry_run="diff",
    )
    with store.atomic() as tx:
        tx.insert_inquiry(inq)
    assert store.get_inquiry(inq.id) == inq
    assert store.list_inquiries(InquiryStatus.PENDING) == [inq]
    timed_out = inq.model_copy(update={"status": InquiryStatus.TIMEOUT})
    with store.atomic() as tx:
        tx.replace_inquiry(inq, timed_out)
    with pytest.raises(InquiryNotPending), store.atomic() as tx:
        tx.replace_inquiry(inq, inq.model_copy(update={"status": InquiryStatus.SUCCEEDED}))
    assert store.inquiries_for("RMD-1")[0].status is InquiryStatus.TIMEOUT


def test_ticket_ids_are_reserved_once_above_every_known_ticket(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    first = store.allocate_ticket_id("RMD-1", ["INC-4216", "INC-17"])
    second = store.allocate_ticket_id("RMD-2", ["INC-4216"])
    assert (first, second) == ("INC-5001", "INC-5002")
    assert store.allocate_ticket_id("RMD-3", ["INC-9000"]) == "INC-9001"


def test_incident_ids_carry_80_random_bits():
    from remediate.investigation import new_incident_id

    ids = {new_incident_id(datetime(2026, 12, 1, tzinfo=UTC)) for _ in range(2000)}
    assert len(ids) == 2000
    token = next(iter(ids)).rsplit("-", 1)[1]
    assert len(token) == 16  # base32: 5 bits a character


def _allocate_many(path: str, incident: str, count: int) -> list[str]:
    store = Store(path)
    return [store.allocate_ticket_id(f"{incident}-{n}", ["INC-4216"]) for n in range(count)]


def test_ticket_ids_stay_unique_across_processes(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    path = str(tmp_path / "s.sqlite")
    Store(path)
    with ProcessPoolExecutor(max_workers=4) as pool:
        batches = list(pool.map(_allocate_many, [path] * 4, ["A", "B", "C", "D"], [25] * 4))
    ids = [i for batch in batches for i in batch]
    assert len(ids) == len(set(ids)) == 100


def test_transition_hooks_run_inside_the_transaction(tmp_path):
    from remediate import store as store_module

    store = Store(tmp_path / "s.sqlite")
    store.open_incident(incident(), "alert received")
    seen = []

    def record(tx, before, after):
        seen.append((before.status, after.status))
        tx.db.execute("INSERT INTO ticket_ids VALUES ('INC-1', 1, ?, 'now')", (after.id,))
        if after.status is S.ESCALATED:
            raise RuntimeError("the hook failed")

    store_module.on_transition(record)
    try:
        store.transition("RMD-1", S.INVESTIGATING, "investigating")
        assert seen == [(S.RECEIVED, S.INVESTIGATING)]
        assert store.read("SELECT count(*) FROM ticket_ids") == [(1,)]
        store._db.execute("DELETE FROM ticket_ids")
        with pytest.raises(RuntimeError):
            store.transition("RMD-1", S.ESCALATED, "escalated")
    finally:
        store_module.TRANSITION_HOOKS.remove(record)
    # The failed hook took the move with it: both or neither.
    assert store.get_incident("RMD-1").status is S.INVESTIGATING
    assert store.read("SELECT count(*) FROM ticket_ids") == [(0,)]

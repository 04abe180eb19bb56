"""Who is working on an incident, and whether that process still lives.

A working incident (see :data:`remediate.state.WORKING`) carries its worker's identity,
``host:pid:start``, and a heartbeat. On the same host a worker is alive exactly when a
process with that pid *and that start time* exists (pids are reused; start times are not);
on another host, while its heartbeat is younger than :data:`LEASE_TTL`. Recovery only
touches incidents whose worker is gone.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from types import TracebackType

from remediate.models import utcnow

LEASE_TTL = timedelta(seconds=90)
HEARTBEAT_SECONDS = 10.0


def start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (clock ticks since boot), or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may itself hold spaces and ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    if not fields or fields[0] in ("Z", "X"):  # a zombie has died; only its exit status is left
        return None
    return fields[19] if len(fields) > 19 else None


@cache
def process_owner() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{start_time(pid) or '?'}"


def owner_alive(owner: str, heartbeat: datetime | None, now: datetime | None = None) -> bool:
    host, _, rest = owner.partition(":")
    pid_text, _, start = rest.partition(":")
    if host == socket.gethostname() and pid_text.isdigit() and start != "?":
        return start_time(int(pid_text)) == start
    if heartbeat is None:
        return False
    return (now or utcnow()) - heartbeat < LEASE_TTL


class Heartbeat:
    """Refresh an incident's heartbeat from a thread while a long stage runs."""

    def __init__(self, database: Path, incident_id: str, owner: str) -> None:
        self._args = (database, incident_id, owner)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name="heartbeat")

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        database, incident_id, owner = self._args
        db = sqlite3.connect(database, timeout=30, isolation_level=None)
        try:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                try:
                    db.execute(
                        "UPDATE incidents SET heartbeat=? WHERE id=? AND owner=?",
                        (utcnow().isoformat(), incident_id, owner),
                    )
                except sqlite3.Error:
                    continue  # a busy database: the next beat tries again
        finally:
            db.close()

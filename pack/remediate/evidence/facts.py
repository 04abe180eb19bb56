"""Typed facts about a host, each carrying the line it was read from.

Parsers (``services``, ``resources``, ``crashes``) turn what real tools print into these
values; the offline planner decides over them and quotes their ``line`` as evidence.
Sizes are bytes, percentages are 0-100, names are as the tool printed them.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Fact(BaseModel):
    model_config = ConfigDict(frozen=True)

    line: str = ""
    """The evidence line this fact was read from, as printed (already sanitized upstream)."""


class ServiceState(Fact):
    """A unit or program's state: ``active`` is systemd's ActiveState vocabulary
    (``active``, ``failed``, ``inactive``, ``activating``); supervisord's states map onto it."""

    unit: str
    active: str
    sub: str | None = None
    result: str | None = None
    since: str | None = None
    restarts: int | None = None
    exit: str | None = None
    manager: str = "systemd"

    @property
    def name(self) -> str:
        return service_name(self.unit)


class OOMKill(Fact):
    process: str | None = None
    pid: int | None = None
    unit: str | None = None
    time: str | None = None


class ProcessUsage(Fact):
    pid: int
    user: str | None = None
    cpu: float | None = None
    rss: int | None = None
    etime: str | None = None
    comm: str
    """The executable's name (``comm``), never a display string (``postgres: checkpointer``)."""
    exe: str | None = None
    args: str | None = None

    @property
    def uptime_seconds(self) -> int | None:
        return elapsed_seconds(self.etime) if self.etime else None


class FilesystemUsage(Fact):
    mount: str
    device: str | None = None
    used: int | None = None
    """Space use in percent."""
    inodes: int | None = None
    """Inode use in percent."""
    size: int | None = None
    avail: int | None = None


class DirectorySize(Fact):
    path: str
    bytes: int


class DeletedOpenFile(Fact):
    pid: int
    process: str
    path: str
    bytes: int


class MemoryUsage(Fact):
    total: int
    used: int | None = None
    available: int | None = None
    swap_total: int | None = None
    swap_used: int | None = None


class LogEvent(Fact):
    time: str | None = None
    unit: str | None = None
    level: str | None = None
    message: str


class CrashKind(StrEnum):
    GO_PANIC = "go-panic"
    GO_OOM = "go-out-of-memory"
    JAVA_OOM = "java-out-of-memory"
    JAVA_EXCEPTION = "java-exception"
    PYTHON_EXCEPTION = "python-exception"
    PYTHON_OOM = "python-memory-error"
    NODE_UNHANDLED = "node-unhandled-rejection"
    NODE_EXCEPTION = "node-exception"
    NODE_OOM = "node-heap-out-of-memory"
    SEGFAULT = "segfault"


class CrashSignature(Fact):
    """A process died of its own error while running (not at start)."""

    kind: CrashKind
    summary: str
    unit: str | None = None


class StartCause(StrEnum):
    RESTART_LOOP = "restart loop"
    CONFIG = "configuration error"
    PORT = "port already in use"
    CERTIFICATE = "certificate problem"
    DEPENDENCY = "dependency unavailable"
    PERMISSION = "permission or executable problem"
    DISK_FULL = "no space left on device"


class StartFailure(Fact):
    """Why a service fails when it starts: restarting it would fail the same way."""

    cause: StartCause
    unit: str | None = None
    detail: str = ""


class Facts(BaseModel):
    """Everything read from one incident's observations."""

    model_config = ConfigDict(frozen=True)

    services: list[ServiceState] = Field(default_factory=list)
    oom_kills: list[OOMKill] = Field(default_factory=list)
    processes: list[ProcessUsage] = Field(default_factory=list)
    filesystems: list[FilesystemUsage] = Field(default_factory=list)
    directories: list[DirectorySize] = Field(default_factory=list)
    deleted_files: list[DeletedOpenFile] = Field(default_factory=list)
    memory: MemoryUsage | None = None
    events: list[LogEvent] = Field(default_factory=list)
    crashes: list[CrashSignature] = Field(default_factory=list)
    start_failures: list[StartFailure] = Field(default_factory=list)


def service_name(unit: str) -> str:
    """``nginx.service`` -> ``nginx``; other unit types and program names unchanged."""
    return unit[: -len(".service")] if unit.endswith(".service") else unit


def elapsed_seconds(etime: str) -> int | None:
    """``ps`` ELAPSED (``[[dd-]hh:]mm:ss``) in seconds."""
    days = 0
    rest = etime.strip()
    if "-" in rest:
        head, rest = rest.split("-", 1)
        if not head.isdigit():
            return None
        days = int(head)
    parts = rest.split(":")
    if not parts or not all(p.isdigit() for p in parts) or len(parts) > 3:
        return None
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return days * 86400 + seconds


_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5}


def size_bytes(text: str, default_unit: str = "") -> int | None:
    """``4.0K``, ``1.2G``, ``23Gi``, ``582Mi``, ``0B``, ``1531760`` (in ``default_unit``)."""
    value = text.strip().rstrip("B").rstrip("i") if text.strip() not in ("0B", "B") else "0"
    if not value:
        return None
    unit = value[-1].upper() if value[-1].isalpha() else default_unit.upper()
    number = value[:-1] if value[-1].isalpha() else value
    try:
        return int(float(number.replace(",", ".")) * _UNITS[unit])
    except (ValueError, KeyError):
        return None

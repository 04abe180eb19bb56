"""Facts about a host read from real tool output: the typed evidence the planners decide over.

:func:`read_facts` runs every parser over every observation, because what a person pastes
(and what a playbook prints) mixes outputs: a ``systemctl status`` block ends in journal lines,
check_memory prints ``free``, ``ps`` and ``dmesg`` together.
"""

from __future__ import annotations

from collections.abc import Iterable

from remediate.evidence.crashes import parse_crashes, parse_start_failures
from remediate.evidence.facts import (
    CrashKind,
    CrashSignature,
    DeletedOpenFile,
    DirectorySize,
    Facts,
    FilesystemUsage,
    LogEvent,
    MemoryUsage,
    OOMKill,
    ProcessUsage,
    ServiceState,
    StartCause,
    StartFailure,
    service_name,
)
from remediate.evidence.resources import (
    parse_deleted_open_files,
    parse_directory_sizes,
    parse_filesystems,
    parse_memory,
    parse_oom_kills,
    parse_processes,
)
from remediate.evidence.services import parse_log_events, parse_service_states

__all__ = [
    "CrashKind",
    "CrashSignature",
    "DeletedOpenFile",
    "DirectorySize",
    "Facts",
    "FilesystemUsage",
    "LogEvent",
    "MemoryUsage",
    "OOMKill",
    "ProcessUsage",
    "ServiceState",
    "StartCause",
    "StartFailure",
    "parse_crashes",
    "parse_deleted_open_files",
    "parse_directory_sizes",
    "parse_filesystems",
    "parse_log_events",
    "parse_memory",
    "parse_oom_kills",
    "parse_processes",
    "parse_service_states",
    "parse_start_failures",
    "read_facts",
    "service_name",
    "summarize",
]


def read_facts(texts: Iterable[str]) -> Facts:
    text = "\n".join(texts)
    return Facts(
        services=parse_service_states(text),
        oom_kills=parse_oom_kills(text),
        processes=parse_processes(text),
        filesystems=parse_filesystems(text),
        directories=parse_directory_sizes(text),
        deleted_files=parse_deleted_open_files(text),
        memory=parse_memory(text),
        events=parse_log_events(text),
        crashes=parse_crashes(text),
        start_failures=parse_start_failures(text),
    )


def summarize(facts: Facts) -> list[str]:
    """Disk facts in the words runbooks use, for retrieval queries.

    Tables of df, du and lsof carry no word a search would key on; service states, OOM
    reports and crashes do already ("failed", "Killed process", "panic"), in the tool's words.
    """
    lines = [
        f"{f.process} still holds deleted file {f.path} open (deleted)" for f in facts.deleted_files
    ]
    lines += [
        f"filesystem {f.mount} {f.used}% full, disk space low"
        for f in facts.filesystems
        if (f.used or 0) >= 85 or (f.inodes or 0) >= 85
    ]
    return lines

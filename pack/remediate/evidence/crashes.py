"""Why a process died: a crash while running, or a failure every time it starts.

A crash after uptime (a Go panic, Java's OutOfMemoryError, Node's unhandled rejection, a
Python traceback, a segfault) is the process's own error at run time: a restart brings the
service back. A failure at start (a restart loop, a configuration error, a port in use, a bad
certificate, a missing dependency, a permission problem, a full disk) repeats on every start:
a restart only hides it. Lines come from journals, syslog, supervisord and the programs' own
stderr, as real runtimes print them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from remediate.evidence.facts import CrashKind, CrashSignature, StartCause, StartFailure
from remediate.evidence.services import parse_log_line

_CRASHES: list[tuple[CrashKind, re.Pattern[str]]] = [
    (CrashKind.GO_OOM, re.compile(r"fatal error: runtime: out of memory")),
    (CrashKind.GO_PANIC, re.compile(r"^panic: (?P<s>.+)")),
    (CrashKind.JAVA_OOM, re.compile(r"java\.lang\.OutOfMemoryError(?::\s*(?P<s>.+))?")),
    (
        CrashKind.JAVA_EXCEPTION,
        re.compile(
            r'Exception in thread "[^"]+" (?P<s>(?:[\w$]+\.)+[\w$]*(?:Exception|Error)\b.*)'
        ),
    ),
    (CrashKind.NODE_OOM, re.compile(r"FATAL ERROR: .*JavaScript heap out of memory")),
    (
        CrashKind.NODE_UNHANDLED,
        re.compile(
            r"^\[?UnhandledPromiseRejection(?:Warning)?:\s*(?P<s>.*)|Unhandled promise rejection"
        ),
    ),
    (CrashKind.PYTHON_OOM, re.compile(r"^MemoryError\b")),
    (
        CrashKind.SEGFAULT,
        re.compile(r"segfault at [0-9a-f]+|status=11/SEGV|code=dumped, status=11"),
    ),
]
_REJECTION_REASON = re.compile(r'rejected with the reason "(?P<r>[^"]*)"')
_TRACEBACK = re.compile(r"^Traceback \(most recent call last\):")
_PY_ERROR = re.compile(r"^(?P<s>(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit)\b.*)$")
_NODE_ERROR = re.compile(r"^(?P<s>(?:[A-Z]\w*)?Error(?: \[\w+\])?: .+)$")
_NODE_FRAME = re.compile(r"^\s+at \S")

_CAUSES: list[tuple[StartCause, re.Pattern[str]]] = [
    (
        StartCause.RESTART_LOOP,
        re.compile(
            r"start-limit-hit|Start request repeated too quickly|entered FATAL state|"
            r"too many start retries|Exited too quickly|restart counter is at (?:[3-9]|\d{2,})\b|"
            r"CrashLoopBackOff",
            re.IGNORECASE,
        ),
    ),
    (
        StartCause.PORT,
        re.compile(
            r"Address already in use|EADDRINUSE|bind\(\) to \S+ failed \(98|"
            r"Only one usage of each socket address",
            re.IGNORECASE,
        ),
    ),
    (
        StartCause.CERTIFICATE,
        re.compile(
            r"certificate (?:has )?expired|cannot load certificate|SSL_CTX_use_\w+ failed|"
            r"x509: certificate|PEM_read_bio\w*|unable to load (?:certificate|private key)|"
            r"certificate verify failed",
            re.IGNORECASE,
        ),
    ),
    (
        StartCause.CONFIG,
        re.compile(
            r"\[emerg\]|configuration file \S+ test failed|syntax error|unknown directive|"
            r"invalid (?:value|option|directive|configuration)|status=78/CONFIG|"
            r"exit status 78\b|could not parse|failed to (?:load|parse|read) (?:config|settings)|"
            r"ConfigurationError|ImproperlyConfigured|error parsing|Bad unit file setting|"
            r"Missing required (?:setting|environment|config)|"
            r"No such file or directory:? '?\S*(?:conf|config|settings|\.ya?ml|\.toml|\.ini)\b",
            re.IGNORECASE,
        ),
    ),
    (
        StartCause.PERMISSION,
        re.compile(
            r"status=203/EXEC|status=217/USER|status=200/CHDIR|"
            r"Failed to execute .*Permission denied|"
            r"Failed at step \w+ spawning",
            re.IGNORECASE,
        ),
    ),
    (StartCause.DISK_FULL, re.compile(r"No space left on device|ENOSPC", re.IGNORECASE)),
    (
        StartCause.DEPENDENCY,
        re.compile(
            r"Dependency failed for|failed because a dependency|could not connect to server|"
            r"Connection refused|ECONNREFUSED|could not translate host name|"
            r"Name or service not known|Temporary failure in name resolution|"
            r"no route to host|Can't connect to (?:MySQL|local MySQL) server|"
            r"connection to server at .* failed",
            re.IGNORECASE,
        ),
    ),
]


def parse_crashes(text: str) -> list[CrashSignature]:
    return list(_iter_crashes(text))


def _iter_crashes(text: str) -> Iterator[CrashSignature]:
    lines = text.splitlines()
    in_traceback: dict[str | None, bool] = {}
    seen: set[tuple[CrashKind, str | None]] = set()
    for index, raw in enumerate(lines):
        unit, message = _unit_and_message(raw)
        body = message.strip()
        if _TRACEBACK.match(body):
            in_traceback[unit] = True
            continue
        for kind, pattern in _CRASHES:
            match = pattern.search(body)
            if match and (kind, unit) not in seen:
                seen.add((kind, unit))
                summary = (match.groupdict().get("s") or match.group(0)).strip()
                reason = _REJECTION_REASON.search(summary)
                summary = f"unhandled rejection: {reason['r']}" if reason else summary
                yield CrashSignature(kind=kind, summary=summary[:200], unit=unit, line=raw.strip())
                break
        else:
            if in_traceback.get(unit) and not message.startswith((" ", "\t")):
                error = _PY_ERROR.match(body)
                if error:
                    in_traceback[unit] = False
                    kind = CrashKind.PYTHON_EXCEPTION
                    if (kind, unit) not in seen:
                        seen.add((kind, unit))
                        yield CrashSignature(
                            kind=kind, summary=error["s"][:200], unit=unit, line=raw.strip()
                        )
                continue
            node = _NODE_ERROR.match(body)
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if node and _NODE_FRAME.match(_unit_and_message(following)[1]):
                kind = CrashKind.NODE_EXCEPTION
                if (kind, unit) not in seen:
                    seen.add((kind, unit))
                    yield CrashSignature(
                        kind=kind, summary=node["s"][:200], unit=unit, line=raw.strip()
                    )


def parse_start_failures(text: str) -> list[StartFailure]:
    """Each distinct (cause, unit) once, with its first line."""
    found: list[StartFailure] = []
    seen: set[tuple[StartCause, str | None]] = set()
    for raw in text.splitlines():
        unit, message = _unit_and_message(raw)
        for cause, pattern in _CAUSES:
            match = pattern.search(message)
            if match and (cause, unit) not in seen:
                seen.add((cause, unit))
                found.append(
                    StartFailure(cause=cause, unit=unit, detail=match.group(0), line=raw.strip())
                )
                break
    return found


_PROGRAM_PREFIX = re.compile(r"^(?P<ident>[\w.@-]+)\[\d+\]:\s(?P<message>.*)$")


def _unit_and_message(line: str) -> tuple[str | None, str]:
    event = parse_log_line(line.strip())
    if event is not None:
        return event.unit, event.message
    bare = _PROGRAM_PREFIX.match(line.strip())  # "nginx[812]: ..." without a timestamp
    if bare:
        return bare["ident"], bare["message"]
    return None, line

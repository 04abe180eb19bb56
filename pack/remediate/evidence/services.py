"""Service state and log events from what systemd, journald and supervisord print.

Reads ``systemctl status`` blocks, ``systemctl show`` properties (one per line or several
on a line after ``name:``), ``systemctl list-units`` rows, ``supervisorctl status`` lines,
journal lines (``short``, ``short-iso``, ``short-precise``, ``-o json``), syslog-style lines
and supervisord's own log. Every parser takes any text and picks out the lines it knows, so
a pasted mixture of outputs reads as well as one command's output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from remediate.evidence.facts import LogEvent, ServiceState

# systemctl prints one of these before the unit name, by state and version.
_MARKERS = "\u25cf\u00d7*\u25cb\u21bb\u2713\u2717 "
_STATUS_HEAD = re.compile(
    rf"^[{_MARKERS}]*(?P<unit>[\w@:.\-\\]+\.(?:service|socket|timer|mount|target|scope))"
    r"(?: - .*)?$"
)
_ACTIVE = re.compile(
    r"^\s*Active:\s+(?P<active>[\w-]+)(?:\s+\((?P<sub>[\w-]+)\))?"
    r"(?:\s+\(Result:\s+(?P<result>[\w-]+)\))?(?:\s+since\s+(?P<since>[^;]+))?"
)
_MAIN_PID = re.compile(r"^\s*Main PID:\s+\d+\s+\((?P<exit>code=[^)]*)\)")
_PROCESS = re.compile(r"^\s*Process:\s+\d+\s+Exec\w+=.*\((?P<exit>code=\w+, status=[^)]*)\)")
_SHOW_PREFIX = re.compile(r"^\s*(?P<name>[\w@.:-]+):\s+(?=\w+=)")
_PROPERTY = re.compile(
    r"(?<!\S)(?P<key>[A-Z][A-Za-z]+)=(?P<value>\S*(?: \S+)*?)(?=\s+[A-Z][A-Za-z]+=|$)"
)
_BLOCK_HEADER = re.compile(r"^(?:## service_status (?P<a>\S+)|status of (?P<b>\S+) on )")
_LIST_UNITS = re.compile(
    rf"^[{_MARKERS}]*(?P<unit>[\w@:.\-\\]+\.service)\s+(?P<load>loaded|not-found|masked|error)\s+"
    r"(?P<active>[\w-]+)\s+(?P<sub>[\w-]+)"
)
_SUPERVISOR_STATES = {
    "RUNNING": ("active", "running"),
    "STARTING": ("activating", "starting"),
    "BACKOFF": ("activating", "backoff"),
    "STOPPING": ("deactivating", "stopping"),
    "STOPPED": ("inactive", "stopped"),
    "EXITED": ("failed", "exited"),
    "FATAL": ("failed", "fatal"),
    "UNKNOWN": ("unknown", "unknown"),
}
_SUPERVISOR_LINE = re.compile(
    r"^(?:supervisorctl status \(rc=\d+\):\s*)?(?P<name>[\w.:-]+)\s+"
    r"(?P<state>RUNNING|STARTING|BACKOFF|STOPPING|STOPPED|EXITED|FATAL|UNKNOWN)\b\s*(?P<detail>.*)$"
)
_UPTIME = re.compile(r"uptime (?P<t>(?:\d+ days?, )?\d+:\d\d:\d\d)")

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = (
    rf"(?P<time>{_MONTH}\s+\d{{1,2}}\s+\d\d:\d\d:\d\d(?:\.\d+)?"
    r"|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)"
)
_JOURNAL = re.compile(
    rf"^{_TIME}\s+(?:(?P<host>\[[A-Z_]+_\d+\]|[^\s\[\]:]+)\s+)?"
    r"(?:-- )?(?P<ident>[^\s\[:]+)(?: [\d.]+)?(?:\[(?P<pid>\d+)\])?:\s?"
    r"(?P<message>.*)$"
)
_SYSTEMD_UNIT_MSG = re.compile(r"^(?P<unit>[\w@:.\-\\]+\.(?:service|socket|mount|timer)):\s")
_SUPERVISORD_LOG = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+) (?P<level>CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT) "
    r"(?P<message>.*)$"
)
_SUPERVISORD_PROGRAM = re.compile(
    r"^(?:exited|gave up|spawned|success|stopped|waiting for)[:\s]+'?(?P<name>[\w.:-]+)'?"
)
_LEVEL = re.compile(
    r"\b(?P<level>emerg|alert|crit(?:ical)?|fatal|err(?:or)?|warn(?:ing)?|notice|info|debug)\b",
    re.IGNORECASE,
)
_CLD_CODES = {"1": "exited", "2": "killed", "3": "dumped"}
_PRIORITY = ["emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"]


def parse_service_states(text: str) -> list[ServiceState]:
    """Every service state the text shows, in order; later facts about a unit refine earlier."""
    states: dict[str, ServiceState] = {}
    for state in _iter_states(text):
        known = states.get(state.unit)
        if known is None:
            states[state.unit] = state
        else:
            refined = {k: v for k, v in state.model_dump().items() if v not in (None, "")}
            states[state.unit] = known.model_copy(update=refined)
    return list(states.values())


def _iter_states(text: str) -> Iterator[ServiceState]:
    lines = text.splitlines()
    block_unit: str | None = None
    show: dict[str, str] = {}
    show_unit: str | None = None
    show_lines: list[str] = []

    def flush_show() -> Iterator[ServiceState]:
        if show_unit and "ActiveState" in show:
            yield _from_properties(show_unit, show, " ".join(show_lines))

    status_unit: str | None = None
    for line in lines:
        header = _BLOCK_HEADER.match(line)
        head = _STATUS_HEAD.match(line)
        if header or head:
            yield from flush_show()
            show, show_lines = {}, []
            block_unit = (header["a"] or header["b"]) if header else None
            status_unit = head["unit"] if head else None
            show_unit = block_unit
            continue
        if status_unit:
            active = _ACTIVE.match(line)
            if active:
                yield ServiceState(
                    unit=status_unit,
                    active=active["active"],
                    sub=active["sub"],
                    result=active["result"],
                    since=(active["since"] or "").strip() or None,
                    line=line.strip(),
                )
                continue
            code = _MAIN_PID.match(line) or _PROCESS.match(line)
            if code and "status=0/SUCCESS" not in code["exit"]:
                yield ServiceState(
                    unit=status_unit, active="", exit=code["exit"], line=line.strip()
                )
                continue
        listed = _LIST_UNITS.match(line)
        if listed:
            yield ServiceState(
                unit=listed["unit"], active=listed["active"], sub=listed["sub"], line=line.strip()
            )
            continue
        program = _SUPERVISOR_LINE.match(line.strip())
        if program:
            yield _from_supervisor(program, line.strip())
            continue
        if line.strip().startswith("state: ") and block_unit:
            word = line.split(":", 1)[1].strip()
            if word in _SUPERVISOR_STATES:
                active_state, sub = _SUPERVISOR_STATES[word]
                yield ServiceState(
                    unit=block_unit,
                    active=active_state,
                    sub=sub,
                    manager="supervisord",
                    line=line.strip(),
                )
            continue
        prefixed = _SHOW_PREFIX.match(line)
        properties = dict((m["key"], m["value"]) for m in _PROPERTY.finditer(line))
        if prefixed and "ActiveState" in properties:
            name = properties.get("Id") or prefixed["name"]
            yield _from_properties(name, properties, line.strip())
            continue
        if properties and not prefixed:
            show.update(properties)
            show_lines.append(line.strip())
            if "Id" in properties:
                show_unit = properties["Id"]
    yield from flush_show()


def _from_properties(unit: str, props: dict[str, str], line: str) -> ServiceState:
    restarts = props.get("NRestarts", "")
    status = props.get("ExecMainStatus", "")
    code = props.get("ExecMainCode", "")
    code = _CLD_CODES.get(code, code)  # systemctl show prints the waitid() code as a number
    exit_text = f"status={status}" if status and status != "0" else None
    if exit_text and code:
        exit_text = f"code={code}, {exit_text}"
    since = (
        props.get("StateChangeTimestamp")
        or props.get("InactiveEnterTimestamp")
        or props.get("ActiveEnterTimestamp")
    )
    return ServiceState(
        unit=unit,
        active=props.get("ActiveState", ""),
        sub=props.get("SubState") or None,
        result=props.get("Result") or None,
        since=since or None,
        restarts=int(restarts) if restarts.isdigit() else None,
        exit=exit_text,
        line=line,
    )


def _from_supervisor(match: re.Match[str], line: str) -> ServiceState:
    active, sub = _SUPERVISOR_STATES[match["state"]]
    detail = match["detail"].strip()
    uptime = _UPTIME.search(detail)
    since = None if uptime else (detail if match["state"] == "EXITED" else None)
    return ServiceState(
        unit=match["name"],
        active=active,
        sub=sub,
        result="start-limit-hit" if match["state"] == "FATAL" else None,
        since=since,
        exit=detail if match["state"] in ("EXITED", "FATAL", "BACKOFF") else None,
        manager="supervisord",
        line=line,
    )


def parse_log_events(text: str) -> list[LogEvent]:
    """Journal, syslog, supervisord-log and ``journalctl -o json`` lines as events."""
    events = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        event = parse_log_line(line)
        if event is not None:
            events.append(event)
    return events


def parse_log_line(line: str) -> LogEvent | None:
    """One journal JSON, supervisord-log, journal or syslog line, or None."""
    if line.startswith("{"):
        return _json_event(line)
    return _supervisord_event(line) or _journal_event(line)


def _journal_event(line: str) -> LogEvent | None:
    match = _JOURNAL.match(line)
    if match is None:
        return None
    ident, message = match["ident"], match["message"]
    unit = None
    named = _SYSTEMD_UNIT_MSG.match(message)
    if ident in ("systemd", "init") and named:
        unit = named["unit"]
    elif ident not in ("kernel", "systemd", "sudo", "init"):
        unit = ident
    return LogEvent(
        time=match["time"], unit=unit, level=_level(message), message=message, line=line
    )


def _supervisord_event(line: str) -> LogEvent | None:
    match = _SUPERVISORD_LOG.match(line)
    if match is None:
        return None
    program = _SUPERVISORD_PROGRAM.match(match["message"])
    level = {"CRIT": "crit", "ERRO": "error", "WARN": "warning", "INFO": "info"}.get(
        match["level"], "debug"
    )
    return LogEvent(
        time=match["time"],
        unit=program["name"] if program else None,
        level=level,
        message=match["message"],
        line=line,
    )


def _json_event(line: str) -> LogEvent | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if not isinstance(entry, dict) or "MESSAGE" not in entry:
        return None
    message = entry["MESSAGE"]
    if isinstance(message, list):  # journald sends non-UTF-8 messages as byte arrays
        message = bytes(b for b in message if isinstance(b, int)).decode("utf-8", "replace")
    priority = str(entry.get("PRIORITY", ""))
    level = _PRIORITY[int(priority)] if priority.isdigit() and int(priority) < 8 else None
    unit = entry.get("_SYSTEMD_UNIT") or entry.get("UNIT") or entry.get("SYSLOG_IDENTIFIER")
    if entry.get("UNIT"):  # systemd's own messages about a unit carry UNIT=
        unit = entry["UNIT"]
    stamp = str(entry.get("__REALTIME_TIMESTAMP", "")) or None
    return LogEvent(
        time=stamp,
        unit=str(unit) if unit else None,
        level=level or _level(str(message)),
        message=str(message) if message is not None else "",
        line=line,
    )


def _level(message: str) -> str | None:
    found = _LEVEL.search(message[:80])
    if found is None:
        return None
    word = found["level"].lower()
    for level in _PRIORITY:
        if word[:3] == level[:3] or (word == "fatal" and level == "crit"):
            return level
    return None

"""What failed on the host, when, and on which evidence lines: a decision over facts.

:func:`diagnose` reads the typed facts of one incident (see :mod:`remediate.evidence`) with
what the alert names and the inventory allows, and says which catalog action the facts call
for, or why a human must decide. It knows nothing of runbooks: the offline planner cites the
runbook that backs the action. ``None`` means the facts say nothing decisive.

- A service: the failed listed service, found from service state, journal units, OOM kills
  (the kernel's memory cgroup) and crashes, narrowed by the alert's labels (``name``, ``unit``,
  ``job``, ``service``, ``container`` ...) mapped through the host's ``service_aliases``.
  A crash while running (OOM kill, panic, uncaught exception, signal) is restarted; a failure
  at start (restart loop, configuration, port, certificate, permission, full disk, a
  dependency elsewhere) is escalated naming the cause.
- A disk: the alert's filesystem (its ``mountpoint`` label, else the fullest) must hold the
  cleanable directory; data and container filesystems are refused; space held by deleted
  but open files is released by restarting the holder when it is a listed service.
- CPU: only a process whose executable name is in the host's ``killable`` list is killed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from remediate.evidence import (
    Facts,
    FilesystemUsage,
    ProcessUsage,
    ServiceState,
    StartCause,
    StartFailure,
    service_name,
)
from remediate.evidence.services import parse_log_line
from remediate.planning import PlanningContext

SERVICE_LABELS = ("name", "unit", "service", "job", "container", "program", "app", "groupname")
FULL_PERCENT = 85
RUNAWAY_CPU = 50.0
DATA_MOUNTS = re.compile(
    r"^/(?:var/lib|data|srv|home|opt|mnt|run|var/opt|var/spool|var/mail|var/www|backup)(?:/|$)"
)
JOURNAL_DIRS = ("/var/log/journal",)
_DISK_ALERT = re.compile(r"disk|filesystem|inode|space|volume|storage", re.IGNORECASE)
_INODE_ALERT = re.compile(r"inode", re.IGNORECASE)
_CPU_ALERT = re.compile(r"cpu|load|runaway", re.IGNORECASE)
_LOOPBACK = re.compile(r"127\.0\.0\.1|localhost|\[::1\]|::1\b")
# Most specific first: a pseudonymized host or address, then name:port, then a bare address.
# A bare dotted name is not enough: "redis.exceptions" is a Python module.
_REMOTES = [
    re.compile(r"\[(?:HOST|IP_ADDRESS|HOSTNAME|DOMAIN|URL)_\d+\](?::\d+)?"),
    re.compile(r"\b[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*:\d{2,5}\b"),
    re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b"),
]
FAILED_EVENT = re.compile(
    r"Main process exited, code=(?:killed|dumped|exited, status=(?!0/))|Failed with result|"
    r"killed by the OOM killer|^exited: \S+ \(.*not expected\)|^gave up: "
)
_START_ORDER = [
    StartCause.RESTART_LOOP,
    StartCause.CONFIG,
    StartCause.PORT,
    StartCause.CERTIFICATE,
    StartCause.PERMISSION,
    StartCause.DISK_FULL,
    StartCause.DEPENDENCY,
]
MAX_QUOTES = 4


@dataclass(frozen=True)
class Diagnosis:
    """``action`` None means escalate; ``what`` and ``evidence`` say why, for a person."""

    action: str | None
    what: str
    params: dict[str, str] = field(default_factory=dict)
    when: str | None = None
    evidence: tuple[str, ...] = ()

    def text(self) -> str:
        when = f" (since {self.when})" if self.when else ""
        quotes = "; ".join(f'"{_clip(line)}"' for line in self.evidence[:MAX_QUOTES])
        return f"{self.what}{when}." + (f" Evidence: {quotes}." if quotes else "")


def diagnose(context: PlanningContext, facts: Facts, cleanable: Sequence[str]) -> Diagnosis | None:
    if _is_disk_alert(context, facts):
        return _disk(context, facts, cleanable)
    if _CPU_ALERT.search(context.alert_name) and facts.processes:
        return _cpu(context, facts)
    return _service(context, facts)


# ---------------------------------------------------------------------- services


class _Services:
    """Maps names seen in evidence and labels to the host's listed services."""

    def __init__(self, context: PlanningContext) -> None:
        self.listed = list(context.host_services)
        self.aliases = dict(context.service_aliases)

    def resolve(self, name: str | None) -> str | None:
        if not name:
            return None
        bare = service_name(name.strip().rsplit("/", 1)[-1])
        for candidate in (bare, self.aliases.get(bare), self.aliases.get(name)):
            if candidate and candidate in self.listed:
                return candidate
        return None


def _service(context: PlanningContext, facts: Facts) -> Diagnosis | None:
    services = _Services(context)
    failed: dict[str, list[str]] = {}
    states: dict[str, ServiceState] = {}

    def note(name: str | None, line: str) -> None:
        service = services.resolve(name)
        if service is not None and line not in failed.setdefault(service, []):
            failed[service].append(line)

    for known in facts.services:
        service = services.resolve(known.unit)
        if service is None:
            continue
        states[service] = known
        if known.active == "failed" or known.sub in ("exited", "fatal", "backoff"):
            note(service, known.line)
    for kill in facts.oom_kills:
        note(kill.unit or kill.process, kill.line)
    for crash in facts.crashes:
        note(crash.unit, crash.line)
    for event in facts.events:
        if FAILED_EVENT.search(event.message):
            note(event.unit, event.line)
    candidates = list(failed)
    named = _named(context, services)
    if len(candidates) > 1:
        chosen = [c for c in candidates if c in named]
        if len(chosen) != 1:
            return Diagnosis(
                None,
                f"several services failed at once ({', '.join(candidates)}); a human decides",
                evidence=tuple(line for c in candidates for line in failed[c][:1]),
            )
        candidates = chosen
    if not candidates:
        return _dependency_elsewhere(facts, services, context.host)
    target = candidates[0]
    state = states.get(target)
    causes = _start_failures(facts, services, target, context.host, alone=len(failed) == 1)
    if state is not None and state.result == "start-limit-hit":
        causes.insert(0, StartFailure(cause=StartCause.RESTART_LOOP, line=state.line))
    if causes:
        first = min(causes, key=lambda c: _START_ORDER.index(c.cause))
        what = f"{target} fails when it starts: {first.cause.value}"
        if first.cause is StartCause.DEPENDENCY:
            remote = _remote(first.line, context.host)
            what += f" ({remote or 'a service it needs'} is unreachable)"
        what += "; a restart would fail the same way"
        lines = [first.line, *[c.line for c in causes if c is not first], *failed[target]]
        return Diagnosis(None, what, when=_when(state), evidence=_unique(lines))
    return Diagnosis(
        "restart_service",
        _crash_summary(target, state, facts, services),
        params={"service": target},
        when=_when(state),
        evidence=_unique(failed[target]),
    )


def _named(context: PlanningContext, services: _Services) -> set[str]:
    named = set()
    for key in SERVICE_LABELS:
        found = services.resolve(context.alert_labels.get(key))
        if found:
            named.add(found)
    return named


def _start_failures(
    facts: Facts, services: _Services, target: str, own: str, *, alone: bool
) -> list[StartFailure]:
    """Start-failure lines about ``target``; lines naming no unit count when it is the only
    failed service. Refused connections to this host itself (nginx to its local upstream)
    are the failure's effect, not a dependency's."""
    found = []
    for failure in facts.start_failures:
        owner = services.resolve(failure.unit)
        if owner != target and not (failure.unit is None and alone):
            continue
        if failure.cause is StartCause.DEPENDENCY and not _remote(failure.line, own):
            continue
        found.append(failure)
    return found


def _dependency_elsewhere(facts: Facts, services: _Services, own: str) -> Diagnosis | None:
    remote = [
        f
        for f in facts.start_failures
        if f.cause is StartCause.DEPENDENCY
        and _remote(f.line, own)
        and (f.unit is None or services.resolve(f.unit) is not None)
    ]
    if not remote:
        return None
    where = _remote(remote[0].line, own)
    return Diagnosis(
        None,
        f"a dependency elsewhere is unavailable: {where} does not answer; "
        "nothing on this host failed, so no action here would fix it",
        evidence=_unique(f.line for f in remote),
    )


def _crash_summary(
    target: str, state: ServiceState | None, facts: Facts, services: _Services
) -> str:
    kills = [k for k in facts.oom_kills if services.resolve(k.unit or k.process) == target]
    kill = kills[0] if kills else None
    crash = next((c for c in facts.crashes if services.resolve(c.unit) == target), None)
    if crash is None and len(facts.crashes) == 1 and facts.crashes[0].unit is None:
        crash = facts.crashes[0]
    if kill is not None:
        victim = f" ({kill.process}, pid {kill.pid})" if kill.process else ""
        what = f"{target} was killed by the kernel OOM killer{victim}"
    elif crash is not None:
        what = f"{target} crashed while running: {crash.kind.value}, {crash.summary}"
    elif state is not None and state.result:
        what = f"{target} failed (result {state.result}"
        what += f", {state.exit})" if state.exit else ")"
    else:
        what = f"{target} stopped unexpectedly"
    return what + "; nothing shows it failing at start, so a restart should bring it back"


def _when(state: ServiceState | None) -> str | None:
    return state.since if state is not None else None


def _remote(line: str, own: str) -> str | None:
    """The other end a refused or failed connection names, unless it is this host.

    Only the message counts: a journal line's host field is this host."""
    event = parse_log_line(line.strip())
    message = event.message if event is not None else line
    if _LOOPBACK.search(message):
        return None
    for pattern in _REMOTES:
        for found in pattern.finditer(message):
            if found.group(0).split(":")[0] != own:
                return found.group(0)
    return None


# ---------------------------------------------------------------------- disks


def _is_disk_alert(context: PlanningContext, facts: Facts) -> bool:
    disk = "mountpoint" in context.alert_labels or bool(_DISK_ALERT.search(context.alert_name))
    return disk and bool(facts.filesystems or facts.deleted_files)


def _disk(context: PlanningContext, facts: Facts, cleanable: Sequence[str]) -> Diagnosis | None:
    mounts = [f.mount for f in facts.filesystems]
    label = context.alert_labels.get("mountpoint")
    full = alert_filesystem(facts.filesystems, label)
    if full is None:
        if label:
            return Diagnosis(None, f"the alert is about {label}, which df does not show")
        return None
    mount = full.mount
    evidence = [full.line]
    if _INODE_ALERT.search(context.alert_name) or (
        (full.inodes or 0) >= FULL_PERCENT and (full.used or 0) < FULL_PERCENT
    ):
        return Diagnosis(
            None,
            f"{mount} is out of inodes ({full.inodes}% used, space {full.used}%): many small "
            "files, which deleting rotated logs does not address",
            evidence=tuple(evidence),
        )
    held = [f for f in facts.deleted_files if filesystem_of(f.path, mounts) == mount]
    held_bytes = sum(f.bytes for f in held)
    used_bytes = (full.size or 0) - (full.avail or 0)
    if held and held_bytes >= max(1024**3, used_bytes // 5):
        biggest = max(held, key=lambda f: f.bytes)
        service = _Services(context).resolve(biggest.process)
        share = f"{_gib(held_bytes)} of {mount} is held by deleted files still open"
        lines = (*evidence, *(f.line for f in sorted(held, key=lambda f: -f.bytes)))
        if service is not None:
            return Diagnosis(
                "restart_service",
                f"{share}, mostly by {service} (pid {biggest.pid}); restarting it releases them",
                params={"service": service},
                evidence=lines,
            )
        return Diagnosis(
            None,
            f"{share} by {biggest.process} (pid {biggest.pid}), which is not a listed service",
            evidence=lines,
        )
    on_fs = [d for d in cleanable if filesystem_of(d, mounts) == mount]
    if DATA_MOUNTS.match(mount) and not on_fs:
        kind = "container" if re.search(r"docker|containerd|containers|kubelet", mount) else "data"
        return Diagnosis(
            None,
            f"the full filesystem is {mount}, a {kind} filesystem: nothing there may be "
            "deleted by remediate",
            evidence=tuple(evidence),
        )
    if not on_fs:
        elsewhere = ", ".join(sorted({filesystem_of(d, mounts) for d in cleanable}))
        return Diagnosis(
            None,
            f"the full filesystem {mount} holds none of the cleanable directories (they are on "
            f"{elsewhere})",
            evidence=tuple(evidence),
        )
    sizes = {d.path: d.bytes for d in facts.directories if d.path in on_fs}
    quoted = {d.path: d.line for d in facts.directories if d.path in on_fs}
    if mount in on_fs and mount not in sizes and used_bytes > 0:
        # The directory is the whole filesystem (du -x on its parent does not see it).
        sizes[mount], quoted[mount] = used_bytes, full.line
    if not sizes:
        return None
    best = max(sizes, key=lambda p: sizes[p])
    narrower = [p for p in sizes if p.startswith(best + "/") and sizes[p] >= sizes[best] / 2]
    path = max(narrower, key=lambda p: sizes[p]) if narrower else best
    if path in JOURNAL_DIRS:
        return Diagnosis(
            None,
            f"{mount} is {full.used}% full and the bulk is the systemd journal ({path}, "
            f"{_gib(sizes[path])}): free_disk_space never deletes *.journal files; shrinking "
            "the journal (journalctl --vacuum-size) is a human's call",
            evidence=(*evidence, quoted[path]),
        )
    return Diagnosis(
        "free_disk_space",
        f"{mount} is {full.used}% full and {path}, on that filesystem, holds {_gib(sizes[path])}",
        params={"path": path},
        evidence=_unique((*evidence, quoted[path])),
    )


def alert_filesystem(
    filesystems: list[FilesystemUsage], label: str | None
) -> FilesystemUsage | None:
    if label:
        return next((f for f in filesystems if f.mount == label), None)
    full = [f for f in filesystems if max(f.used or 0, f.inodes or 0) >= FULL_PERCENT]
    return max(full, key=lambda f: max(f.used or 0, f.inodes or 0), default=None)


def filesystem_of(path: str, mounts: Iterable[str]) -> str:
    """The longest mount point containing ``path``; ``/`` when df did not list one."""
    best = "/"
    for mount in mounts:
        inside = path == mount or path.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) > len(best):
            best = mount
    return best


def _gib(size: int) -> str:
    if size < 1024**3:
        return f"{size / 1024**2:.0f} MiB"
    return f"{size / 1024**3:.1f} GiB"


# ---------------------------------------------------------------------- cpu


def _cpu(context: PlanningContext, facts: Facts) -> Diagnosis | None:
    busiest = max(facts.processes, key=lambda p: p.cpu or 0.0)
    if (busiest.cpu or 0.0) < RUNAWAY_CPU:
        return None
    name = busiest.comm
    who = _process(busiest)
    protected = _protected(context)
    exe = busiest.exe.rsplit("/", 1)[-1] if busiest.exe else None
    if name.lower() in protected or (exe and exe.lower() in protected):
        return Diagnosis(
            None,
            f"the busiest process is {who}, a protected program: never killed by remediate",
            evidence=(busiest.line,),
        )
    service = _Services(context).resolve(name)
    if service is not None:
        return Diagnosis(
            None,
            f"the busiest process is {who}, the listed service {service}: a human decides "
            "whether to restart it",
            evidence=(busiest.line,),
        )
    if name not in context.killable:
        return Diagnosis(
            None,
            f"the busiest process is {who}, which is not in this host's killable list",
            evidence=(busiest.line,),
        )
    return Diagnosis(
        "kill_process",
        f"{who} has used {busiest.cpu:.0f}% CPU"
        + (f" for {busiest.etime}" if busiest.etime else "")
        + "; it is in this host's killable list",
        params={"process": name, "signal": "TERM"},
        evidence=(busiest.line,),
    )


def _protected(context: PlanningContext) -> set[str]:
    """The catalog's never-kill list (kill_process's ``not_in``)."""
    for action in context.actions:
        if action.id == "kill_process":
            names = action.parameters.get("process", {}).get("not_in", [])
            return {str(n).lower() for n in names} if isinstance(names, list) else set()
    return set()


def _process(process: ProcessUsage) -> str:
    shown = f"{process.comm} (pid {process.pid}"
    if process.args and process.args.split()[0].rstrip(":") != process.comm:
        shown += f", shown as '{_clip(process.args, 60)}'"
    return shown + ")"


# ---------------------------------------------------------------------- text


def _unique(lines: Iterable[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for line in lines:
        if line and line not in seen:
            seen.append(line)
    return tuple(seen)


def _clip(line: str, limit: int = 220) -> str:
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."

"""Gathered facts (the host_facts module's JSON) as the observations the parsers read.

host_facts returns in one run what service_status, collect_logs, check_cpu, check_memory
and check_disk print one playbook at a time. :func:`observations_from_facts` writes its JSON
back into those playbooks' texts, action by action, so that JSON from a host and text from a
scenario file or a pasted output take the same path: the parsers of
:mod:`remediate.evidence` and the planners read text only. :func:`sanitize_json` applies the
incident's sanitizer to every string of the JSON, which is then stored beside the texts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from remediate.errors import ExecutionError

ACTION = "host_facts"
"""The catalog action whose result this module reads."""
TOP_PROCESSES = 10
WARN_PERCENT = 85
MAX_FILESYSTEMS = 25
MAX_STREAM_CHARS = 4000
MAX_LINE_CHARS = 300
MEMINFO_KEYS = [
    "MemTotal",
    "MemFree",
    "MemAvailable",
    "Buffers",
    "Cached",
    "Shmem",
    "SReclaimable",
    "Dirty",
    "SwapTotal",
    "SwapFree",
    "Committed_AS",
    "CommitLimit",
]


def observations_from_facts(reported: Mapping[str, Any], host: str) -> dict[str, str]:
    """One text per single-purpose action (service_status, collect_logs, check_cpu,
    check_memory, check_disk), as that action's playbook would have printed it on ``host``."""
    facts = reported.get("facts")
    if not isinstance(facts, Mapping):
        raise ExecutionError("host_facts returned no facts")
    try:
        return {
            "service_status": _service_status(facts, host),
            "collect_logs": _collect_logs(facts, host),
            "check_cpu": _check_cpu(facts, host),
            "check_memory": _check_memory(facts, host),
            "check_disk": _check_disk(facts, host),
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ExecutionError(f"host_facts returned facts of an unknown shape: {exc!r}") from exc


def sanitize_json(value: Any, sanitize: Callable[[str], str]) -> Any:
    """``value`` with every string (keys too: unit and path names) through ``sanitize``."""
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, Mapping):
        return {sanitize(str(k)): sanitize_json(v, sanitize) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [sanitize_json(v, sanitize) for v in value]
    return value


def human_size(size: float) -> str:
    """Ansible's ``human_readable``: ``1.00 KB``, ``54.00 MB`` (binary multiples)."""
    units = ["Bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
    value = float(size)
    for unit in units:
        if abs(value) < 1024 or unit == units[-1]:
            return f"{value:.2f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------- per action


def _service_status(facts: Mapping[str, Any], host: str) -> str:
    manager = facts.get("service_manager", "systemd")
    blocks = []
    for service, item in (facts.get("services") or {}).items():
        lines = [f"## service_status {service}", f"status of {service} on {host} ({manager})"]
        if manager == "systemd":
            if item.get("show_rc", 0) != 0:
                lines.append(
                    f"cannot read the unit (systemctl rc={item['show_rc']}): "
                    f"{item.get('show_error', '')}"
                )
            else:
                lines += [f"{k}={v}" for k, v in (item.get("properties") or {}).items()]
        else:
            lines.append(f"state: {item.get('state', 'UNKNOWN')}")
            lines.append(
                f"supervisorctl status (rc={item.get('status_rc')}): {item.get('status_line', '')}"
            )
        lines.append(_health(service, item.get("health")))
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def _health(service: str, health: Mapping[str, Any] | None) -> str:
    if not health:
        return f"health: no health URL declared for {service}"
    status = health.get("status", -1)
    problem = "" if status == 200 else f" ({health.get('error') or 'no answer'})"
    return f"health: GET {health.get('url', '')} -> {status}{problem}"


def _collect_logs(facts: Mapping[str, Any], host: str) -> str:
    manager = facts.get("service_manager", "systemd")
    blocks = []
    for service, item in (facts.get("services") or {}).items():
        if manager == "systemd":
            journal = item.get("journal") or {}
            records = journal.get("records") or []
            streams = [("journal", journal.get("rc", 0), journal.get("error", ""), records)]
            count = len(records)
        else:
            tails = item.get("tails") or {}
            streams = [
                (name, t.get("rc", 0), t.get("error", ""), t.get("lines") or [])
                for name, t in tails.items()
            ]
            count = max((len(s[3]) for s in streams), default=0)
        lines = [
            f"## collect_logs {service}",
            f"logs of {service} on {host} ({manager}), last {max(count, 1)} lines per stream",
        ]
        for label, rc, error, entries in streams:
            lines.append(f"--- {label} ---")
            text = "\n".join(
                (_journal_line(e) if isinstance(e, Mapping) else str(e))[:MAX_LINE_CHARS]
                for e in entries
                if e
            )
            if rc != 0:
                lines.append(f"cannot read (rc={rc}): {error}"[:MAX_LINE_CHARS])
            elif not text:
                lines.append("(no log lines)")
            elif len(text) > MAX_STREAM_CHARS:
                lines += ["(earlier lines cut)", text[-MAX_STREAM_CHARS:].split("\n", 1)[-1]]
            else:
                lines.append(text)
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def _journal_line(record: Mapping[str, Any]) -> str:
    """journalctl's ``short-iso`` form: ``2026-12-01T07:27:09+0000 host ident[pid]: message``."""
    pid = f"[{record['pid']}]" if record.get("pid") else ""
    head = f"{record.get('time', '')} {record.get('host', '')} {record.get('ident', '')}{pid}"
    return f"{head}: {record.get('message', '')}"


def _process_table(rows: list[Mapping[str, Any]]) -> list[str]:
    lines = ["PID USER %CPU %MEM RSS ELAPSED COMM ARGS"]
    for r in rows:
        lines.append(
            f"{r['pid']} {r['user']} {float(r['cpu']):.1f} {float(r['mem']):.1f} {r['rss']} "
            f"{r['etime']} {r['comm']} {r['args']}"[:160]
        )
    return lines


def _check_cpu(facts: Mapping[str, Any], host: str) -> str:
    cpu = facts.get("cpu") or {}
    count = int(cpu.get("count") or 0)
    load = list(cpu.get("loadavg") or [])
    lines = [f"cpu on {host}"]
    if len(load) >= 4:
        per_cpu = f" (1-min load per CPU {float(load[0]) / count:.2f})" if count else ""
        lines.append(
            f"load average 1/5/15 min: {' '.join(load[:3])} on {count or '?'} CPUs{per_cpu}, "
            f"runnable/total tasks {load[3]}"
        )
    else:
        lines.append("load average: not readable")
    pressure = cpu.get("pressure")
    lines.append(f"cpu pressure (PSI): {'; '.join(pressure) if pressure else 'not available'}")
    seconds = cpu.get("sample_seconds", "?")
    lines.append(
        f"top {TOP_PROCESSES} processes by %CPU over the last {seconds} s (sampled from /proc):"
    )
    lines += _process_table(list(facts.get("processes") or [])[:TOP_PROCESSES])
    return "\n".join(lines)


def _check_memory(facts: Mapping[str, Any], host: str) -> str:
    mem = {k: int(v) for k, v in (facts.get("memory") or {}).items()}
    lines = [f"memory on {host}"]
    total = mem.get("MemTotal", 0)
    if total > 0:
        available = mem.get("MemAvailable", mem.get("MemFree", 0))
        free_percent = round(100 * available / total, 1)
        swap_total = mem.get("SwapTotal", 0)
        lines += [
            f"total {human_size(total * 1024)}, available {human_size(available * 1024)} "
            f"({free_percent}% free, {round(100 - free_percent, 1)}% used)",
            f"swap used {human_size((swap_total - mem.get('SwapFree', 0)) * 1024)} of "
            f"{human_size(swap_total * 1024)}",
            ", ".join(f"{k}={human_size(mem[k] * 1024)}" for k in MEMINFO_KEYS if k in mem),
        ]
    else:
        lines.append("/proc/meminfo not readable")
    lines += list(facts.get("free") or [])
    by_rss = sorted(facts.get("processes") or [], key=lambda r: -int(r["rss"]))
    lines.append(f"top {TOP_PROCESSES} processes by resident memory (RSS in KiB):")
    lines += _process_table(by_rss[:TOP_PROCESSES])
    kernel = facts.get("kernel") or {}
    oom = list(kernel.get("oom") or [])
    if kernel.get("rc", 0) != 0:
        lines.append(f"OOM kills: kernel log not readable ({kernel.get('error', '')})")
    elif not oom:
        lines.append("OOM kills: none in the kernel log")
    else:
        lines.append(f"OOM kills: {len(oom)} line(s) in the kernel log, last 10:")
        lines += [line[:200] for line in oom[-10:]]
    return "\n".join(lines)


def _check_disk(facts: Mapping[str, Any], host: str) -> str:
    lines = [f"disk on {host} (local filesystems; ! marks use >= {WARN_PERCENT}%)"]
    rows = [
        f
        for f in facts.get("filesystems") or []
        if f.get("use") is not None
        and not str(f["mount"]).startswith(
            ("/var/lib/docker/", "/var/lib/containers/", "/var/lib/kubelet/", "/run/containerd/")
        )
    ]
    if not rows:
        lines.append("no local filesystem reported by df")
    for f in sorted(rows, key=lambda f: -int(f["use"]))[:MAX_FILESYSTEMS]:
        iuse = f.get("inodes_use")
        flag = "!" if f["use"] >= WARN_PERCENT or (iuse or 0) >= WARN_PERCENT else " "
        lines.append(
            f"{flag} {f['mount']}: {f['use']}% used, {human_size((f['avail_kb'] or 0) * 1024)} "
            f"free of {human_size((f['size_kb'] or 0) * 1024)}, inodes "
            f"{f'{iuse}%' if iuse is not None else '?'} used ({f['device']})"
        )
    lines.append(
        "cleanable directories (du -s -k -x, KiB, each file counted once; missing ones not listed):"
    )
    lines += [f"{d['kb']}\t{d['path']}" for d in facts.get("directories") or []]
    held = facts.get("deleted_files") or []
    if held:
        lines.append("deleted files still open (lsof +L1):")
        lines.append("COMMAND PID USER FD SIZE/OFF NAME")
        lines += [
            f"{d['process']} {d['pid']} {d['user']} {d['fd']} {d['size']} {d['path']}"
            for d in held
            if d.get("size") is not None
        ]
    return "\n".join(lines)

#!/usr/bin/python3
"""Read-only Ansible module: everything remediate gathers about a host, in one task.

One module run replaces the tasks of service_status, collect_logs, check_cpu, check_memory
and check_disk: unit properties, recent journal lines (JSON), supervisorctl status and tails,
health URLs, load and CPU pressure, processes with a sampled %CPU (two reads of /proc), memory,
the kernel log's tail, local filesystems (space and inodes), sizes of the cleanable directories
and deleted files still held open. It changes nothing on the host (check mode is supported
and behaves the same). It needs only Python 3's standard library on the host.

Returns ``facts`` (structured, JSON) and ``raw`` (each command's argv, rc, stdout, stderr).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: host_facts
short_description: Gather remediate's read-only evidence about a host in one task
description:
  - Runs read-only probes (systemctl show, journalctl, supervisorctl, ps-like /proc reads,
    df, du, free, lsof, dmesg) and returns structured facts plus the raw text of each.
options:
  services:
    description: Units or programs to report on.
    type: list
    elements: str
    default: []
  service_manager:
    description: systemd or supervisord.
    type: str
    default: systemd
    choices: [systemd, supervisord]
  supervisorctl:
    type: str
    default: supervisorctl
  supervisor_config:
    type: str
  health_urls:
    description: Health URL per service, probed with GET.
    type: dict
    default: {}
  lines:
    description: Journal lines (or tail size in lines) per service.
    type: int
    default: 100
  cleanable_dirs:
    type: list
    elements: str
    default: []
  cpu_sample_seconds:
    description: Least time between the two /proc reads that give %CPU.
    type: float
    default: 0.3
  kernel_lines:
    type: int
    default: 200
"""

UNIT_PROPERTIES = (
    "Id,Description,LoadState,ActiveState,SubState,Result,NRestarts,MainPID,ExecMainStatus,"
    "ActiveEnterTimestamp,InactiveEnterTimestamp,StateChangeTimestamp,UnitFileState,MemoryCurrent"
)
DF_EXCLUDED = ["-x", "tmpfs", "-x", "devtmpfs", "-x", "squashfs", "-x", "efivarfs", "-x", "ramfs"]
MAX_LINE = 300


class Probe:
    def __init__(self, module):
        self.module = module
        self.raw = {}

    def run(self, name, argv):
        started = time.monotonic()
        rc, out, err = self.module.run_command(argv, check_rc=False, environ_update={"LC_ALL": "C"})
        seconds = round(time.monotonic() - started, 3)
        self.raw[name] = {"argv": argv, "rc": rc, "stdout": out, "stderr": err, "seconds": seconds}
        return rc, out, err


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return None


def _cpu_times():
    """pid -> (utime + stime in ticks, start time in ticks, comm, uid) of every process."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _read(f"/proc/{entry}/stat")
        if stat is None:
            continue
        head, _, rest = stat.rpartition(")")
        fields = rest.split()
        try:
            found[int(entry)] = (
                int(fields[11]) + int(fields[12]),
                int(fields[19]),
                head.split("(", 1)[1],
                int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024,
            )
        except (IndexError, ValueError):
            continue
    return found


def _etime(seconds):
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{minutes:02d}:{secs:02d}"
    if days or hours:
        text = f"{hours:02d}:{text}"
    if days:
        text = f"{days}-{text}"
    return text


def _user(pid):
    try:
        uid = os.stat(f"/proc/{pid}").st_uid
        return pwd.getpwuid(uid).pw_name
    except (OSError, KeyError):
        return "?"


def _args(pid, comm):
    raw = _read(f"/proc/{pid}/cmdline")
    if not raw:
        return f"[{comm}]"
    return raw.rstrip("\0").replace("\0", " ")


def processes(first, first_at):
    """Processes with %CPU over the interval since ``first`` was read (like top, not ps)."""
    second = _cpu_times()
    elapsed = max(time.monotonic() - first_at, 1e-3)
    ticks = os.sysconf("SC_CLK_TCK")
    uptime = float((_read("/proc/uptime") or "0").split()[0])
    meminfo = _meminfo()
    total_kb = meminfo.get("MemTotal", 0)
    rows = []
    for pid, (cpu, start, comm, rss) in second.items():
        before = first.get(pid)
        used = cpu - before[0] if before and before[1] == start else cpu
        rows.append(
            {
                "pid": pid,
                "user": _user(pid),
                "cpu": round(100.0 * used / ticks / elapsed, 1),
                "mem": round(100.0 * rss / total_kb, 1) if total_kb else 0.0,
                "rss": rss,
                "etime": _etime(uptime - start / ticks),
                "comm": comm,
                "args": _args(pid, comm)[:MAX_LINE],
            }
        )
    rows.sort(key=lambda r: (-r["cpu"], -r["rss"]))
    return rows


def _meminfo():
    values = {}
    for line in (_read("/proc/meminfo") or "").splitlines():
        key, _, rest = line.partition(":")
        number = rest.split()
        if number and number[0].isdigit():
            values[key.strip()] = int(number[0])
    return values


def _df_rows(text):
    rows = []
    for line in text.splitlines()[1:]:
        fields = line.split(None, 5)
        if len(fields) == 6:
            rows.append(fields)
    return rows


def filesystems(probe, cleanable):
    """Local filesystems, memory-backed ones left out (they repeat what is under them),
    except those holding a cleanable directory: a log directory on a tmpfs can fill up."""
    _, space, _ = probe.run("df -P -k -l", ["df", "-P", "-k", "-l", *DF_EXCLUDED])
    _, inodes, _ = probe.run("df -P -i -l", ["df", "-P", "-i", "-l", *DF_EXCLUDED])
    space_rows, inode_rows = _df_rows(space), _df_rows(inodes)
    present = [p for p in cleanable if os.path.isdir(p)]
    if present:
        _, extra, _ = probe.run("df -P -k dirs", ["df", "-P", "-k", *present])
        _, extra_inodes, _ = probe.run("df -P -i dirs", ["df", "-P", "-i", *present])
        space_rows += _df_rows(extra)
        inode_rows += _df_rows(extra_inodes)
    inode_use = {row[5]: row[4] for row in inode_rows}
    found = []
    seen = set()
    for device, size, used, avail, use, mount in space_rows:
        if mount in seen:
            continue
        seen.add(mount)
        iuse = inode_use.get(mount, "-").rstrip("%")
        found.append(
            {
                "device": device,
                "size_kb": int(size) if size.isdigit() else None,
                "used_kb": int(used) if used.isdigit() else None,
                "avail_kb": int(avail) if avail.isdigit() else None,
                "use": int(use.rstrip("%")) if use.rstrip("%").isdigit() else None,
                "inodes_use": int(iuse) if iuse.isdigit() else None,
                "mount": mount,
            }
        )
    return found


def directories(probe, paths):
    present = [p for p in paths if os.path.isdir(p)]
    if not present:
        return []
    _, out, _ = probe.run("du -s -k -x", ["du", "-s", "-k", "-x", *present])
    found = []
    for line in out.splitlines():
        size, _, path = line.partition("\t")
        if size.isdigit():
            found.append({"path": path, "kb": int(size)})
    return found


def deleted_files(probe):
    if shutil.which("lsof") is None:
        return []
    _, out, _ = probe.run("lsof -n +L1", ["lsof", "-n", "-P", "+L1"])
    found = []
    for line in out.splitlines()[1:]:
        fields = line.split(None, 9)
        if len(fields) == 10 and fields[1].isdigit():
            found.append(
                {
                    "process": fields[0],
                    "pid": int(fields[1]),
                    "user": fields[2],
                    "fd": fields[3],
                    "size": int(fields[6]) if fields[6].isdigit() else None,
                    "path": fields[9],
                }
            )
    return found


def journal(probe, service, lines):
    rc, out, err = probe.run(
        f"journalctl {service}",
        ["journalctl", "--unit", service, "--lines", str(lines), "--no-pager", "--quiet"]
        + ["--output", "json"],
    )
    records = []
    for line in out.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        message = entry.get("MESSAGE", "")
        if isinstance(message, list):  # a message with non-UTF-8 bytes comes as numbers
            message = bytes(b for b in message if isinstance(b, int)).decode("utf-8", "replace")
        stamp = int(entry.get("__REALTIME_TIMESTAMP", "0") or 0) / 1e6
        records.append(
            {
                "time": datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S%z"),
                "host": entry.get("_HOSTNAME", ""),
                "ident": entry.get("SYSLOG_IDENTIFIER") or entry.get("_COMM") or "",
                "pid": entry.get("_PID") or entry.get("SYSLOG_PID") or "",
                "priority": entry.get("PRIORITY", ""),
                "unit": entry.get("_SYSTEMD_UNIT", ""),
                "message": str(message)[:MAX_LINE],
            }
        )
    probe.raw[f"journalctl {service}"]["stdout"] = out[-20000:]
    return {"rc": rc, "error": err.strip()[:MAX_LINE], "records": records}


def health(url):
    if not url:
        return None
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:  # noqa: S310 - the host's own URL
            return {"url": url, "status": answer.status, "error": ""}
    except urllib.error.HTTPError as exc:
        return {"url": url, "status": exc.code, "error": f"HTTP Error {exc.code}: {exc.reason}"}
    except (urllib.error.URLError, OSError) as exc:
        return {"url": url, "status": -1, "error": f"Request failed: {exc}"}


def systemd_service(probe, service, lines, url):
    rc, out, err = probe.run(
        f"systemctl show {service}",
        ["systemctl", "show", service, f"--property={UNIT_PROPERTIES}"],
    )
    properties = {}
    for line in out.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            properties[key] = value
    return {
        "properties": properties,
        "show_rc": rc,
        "show_error": err.strip()[:MAX_LINE],
        "journal": journal(probe, service, lines),
        "health": health(url),
    }


def supervisord_service(probe, params, service, lines, url):
    ctl = [params["supervisorctl"], "-c", params["supervisor_config"] or ""]
    rc, out, err = probe.run(f"supervisorctl status {service}", [*ctl, "status", service])
    tails = {}
    for stream in ("stdout", "stderr"):
        argv = [*ctl, "tail", f"-{lines * 200}", service] + ([] if stream == "stdout" else [stream])
        t_rc, t_out, t_err = probe.run(f"supervisorctl tail {service} {stream}", argv)
        tails[stream] = {"rc": t_rc, "lines": t_out.splitlines()[-lines:], "error": t_err.strip()}
    fields = out.split()
    return {
        "status_line": " ".join((out + " " + err).split())[:MAX_LINE],
        "status_rc": rc,
        "state": fields[1] if rc in (0, 3) and len(fields) > 1 else "UNKNOWN",
        "tails": tails,
        "health": health(url),
    }


def kernel_log(probe, keep):
    rc, out, err = probe.run("dmesg", ["dmesg"])
    lines = out.splitlines()
    oom = [
        line[:MAX_LINE]
        for line in lines
        if any(
            word in line.lower()
            for word in ("out of memory", "oom-kill", "oom_reaper", "killed process")
        )
    ]
    probe.raw["dmesg"]["stdout"] = "\n".join(lines[-keep:])
    return {"rc": rc, "error": err.strip()[:MAX_LINE], "tail": lines[-keep:], "oom": oom}


def main():
    module = AnsibleModule(
        argument_spec={
            "services": {"type": "list", "elements": "str", "default": []},
            "service_manager": {
                "type": "str",
                "default": "systemd",
                "choices": ["systemd", "supervisord"],
            },
            "supervisorctl": {"type": "str", "default": "supervisorctl"},
            "supervisor_config": {"type": "str"},
            "health_urls": {"type": "dict", "default": {}},
            "lines": {"type": "int", "default": 100},
            "cleanable_dirs": {"type": "list", "elements": "str", "default": []},
            "cpu_sample_seconds": {"type": "float", "default": 0.3},
            "kernel_lines": {"type": "int", "default": 200},
        },
        supports_check_mode=True,
    )
    params = module.params
    if params["service_manager"] == "supervisord" and not params["supervisor_config"]:
        module.fail_json(msg="supervisord hosts need supervisor_config")
    if not 1 <= params["lines"] <= 500:
        module.fail_json(msg="lines must be in 1..500")
    # The first CPU reading; the probes below run while the interval passes.
    first, first_at = _cpu_times(), time.monotonic()
    probe = Probe(module)
    services = {}
    for service in params["services"]:
        url = (params["health_urls"] or {}).get(service, "")
        if params["service_manager"] == "systemd":
            services[service] = systemd_service(probe, service, params["lines"], url)
        else:
            services[service] = supervisord_service(probe, params, service, params["lines"], url)
    facts = {
        "host": socket.gethostname(),
        "service_manager": params["service_manager"],
        "services": services,
        "filesystems": filesystems(probe, params["cleanable_dirs"]),
        "directories": directories(probe, params["cleanable_dirs"]),
        "deleted_files": deleted_files(probe),
        "kernel": kernel_log(probe, params["kernel_lines"]),
    }
    if params["service_manager"] == "systemd":
        _, failed, _ = probe.run(
            "systemctl list-units --failed",
            ["systemctl", "list-units", "--failed", "--no-pager", "--plain", "--no-legend"],
        )
        facts["failed_units"] = [line.split()[0] for line in failed.splitlines() if line.split()]
    remaining = params["cpu_sample_seconds"] - (time.monotonic() - first_at)
    if remaining > 0:
        time.sleep(remaining)
    pressure = _read("/proc/pressure/cpu")
    facts["cpu"] = {
        "count": os.sysconf("SC_NPROCESSORS_ONLN"),
        "loadavg": (_read("/proc/loadavg") or "").split(),
        "pressure": pressure.splitlines() if pressure else None,
        "sample_seconds": round(time.monotonic() - first_at, 2),
    }
    facts["processes"] = processes(first, first_at)
    facts["memory"] = _meminfo()
    _, free, _ = probe.run("free", ["free"])
    facts["free"] = free.splitlines()
    failing = sorted(
        name
        for name, item in services.items()
        if (item.get("properties") or {}).get("ActiveState") not in (None, "active")
    )
    module.exit_json(
        changed=False,
        facts=facts,
        raw=probe.raw,
        msg=f"host facts of {facts['host']}: {len(services)} service(s)"
        + (f", not active: {', '.join(failing)}" if failing else ""),
    )


if __name__ == "__main__":
    main()

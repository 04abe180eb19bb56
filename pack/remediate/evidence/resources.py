"""Processes, filesystems, memory and OOM kills from what ps, top, df, du, free, lsof and
the kernel print.

Tables are found by their header line (``PID ... COMMAND``, ``Filesystem ... Mounted on``,
``COMMAND PID ... NAME``, ``total used free``) and read by column, so any column order and
subset ``ps -o`` or ``df`` can print is understood. A process name is always the executable
(``comm``, or the basename of a path in ``args``), never a display string a process set for
itself (``postgres: 15/main: checkpointer``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from remediate.evidence.facts import (
    DeletedOpenFile,
    DirectorySize,
    FilesystemUsage,
    MemoryUsage,
    OOMKill,
    ProcessUsage,
    size_bytes,
)

_PS_COLUMNS = {
    "PID": "pid",
    "USER": "user",
    "%CPU": "cpu",
    "RSS": "rss",
    "RES": "rss",
    "RSZ": "rss",
    "ELAPSED": "etime",
    "ETIME": "etime",
    "COMM": "comm",
    "UCOMM": "comm",
    "COMMAND": "command",
    "CMD": "command",
    "ARGS": "command",
}
_KERNEL_TASK = re.compile(r"^\[[^\]]+\]$")


def parse_processes(text: str) -> list[ProcessUsage]:
    """Rows of every ``ps``/``top`` table in the text."""
    found: list[ProcessUsage] = []
    header: list[str] | None = None
    for line in text.splitlines():
        fields = line.split()
        upper = [f.upper() for f in fields]
        is_ps = "PID" in upper and any(c in upper for c in ("COMMAND", "COMM", "CMD", "ARGS"))
        if is_ps and "NAME" not in upper:  # lsof's header has PID and COMMAND too
            header = upper
            continue
        if header is None or not fields:
            continue
        process = _process_row(header, line)
        if process is None:
            header = None  # the table ended
        else:
            found.append(process)
    return found


def _process_row(header: list[str], line: str) -> ProcessUsage | None:
    # Every column before the last is one token; the last (args) is the rest of the line.
    fields = line.split(None, len(header) - 1)
    if len(fields) < len(header):
        return None
    values: dict[str, str] = {}
    commands: list[str] = []
    for name, value in zip(header, fields, strict=True):
        key = _PS_COLUMNS.get(name)
        if key == "command":
            commands.append(value.strip())
        elif key and key not in values:
            values[key] = value
    if not values.get("pid", "").isdigit():
        return None
    comm, exe, args = _command(values.get("comm"), commands)
    if not comm:
        return None
    return ProcessUsage(
        pid=int(values["pid"]),
        user=values.get("user"),
        cpu=_float(values.get("cpu")),
        rss=size_bytes(values["rss"], "K") if values.get("rss") else None,
        etime=values.get("etime"),
        comm=comm,
        exe=exe,
        args=args,
        line=line.strip(),
    )


def _command(comm: str | None, commands: list[str]) -> tuple[str, str | None, str | None]:
    """(comm, exe, args): ``ps -o comm,args`` prints two COMMAND columns; ``ps aux`` one (args)."""
    args = commands[-1] if commands else None
    if len(commands) >= 2 and comm is None:
        comm = commands[0]
    first = args.split()[0] if args else ""
    exe = first if first.startswith("/") else None
    if comm is None and args is not None:
        if _KERNEL_TASK.match(args):
            comm = args.strip("[]")
        else:
            # "postgres: checkpointer" names its program before the colon; a path names itself.
            comm = first.rstrip(":")
            comm = comm.rsplit("/", 1)[-1] if comm.startswith("/") else comm
    comm = (comm or "").rstrip("+")  # top marks a truncated name with "+"
    return comm, exe, args


def _float(text: str | None) -> float | None:
    try:
        return float(text.replace(",", ".")) if text else None
    except ValueError:
        return None


_DF_USE = re.compile(r"^(\d+)%$|^-$")
_PLAYBOOK_DF = re.compile(
    r"^[!\s]*(?P<mount>/\S*): (?P<used>\d+)% used, (?P<avail>[\d.]+ ?\w+) free of "
    r"(?P<size>[\d.]+ ?\w+), inodes (?P<inodes>\d+|\?)%? used \((?P<device>[^)]*)\)"
)


def parse_filesystems(text: str) -> list[FilesystemUsage]:
    """``df`` (``-P``, ``-h``, ``-i``, ``-T``; wrapped device names) and check_disk rows,
    merged by mount: ``df -i`` fills in the inode use of the space rows."""
    merged: dict[str, FilesystemUsage] = {}
    for fs in _iter_filesystems(text):
        known = merged.get(fs.mount)
        if known is None:
            merged[fs.mount] = fs
        else:
            update = {k: v for k, v in fs.model_dump().items() if v is not None and k != "line"}
            if known.used is None and fs.used is not None:
                update["line"] = fs.line
            merged[fs.mount] = known.model_copy(update=update)
    return list(merged.values())


def _iter_filesystems(text: str) -> Iterator[FilesystemUsage]:
    header: list[str] | None = None
    pending = ""
    for line in text.splitlines():
        played = _PLAYBOOK_DF.match(line)
        if played:
            yield FilesystemUsage(
                mount=played["mount"],
                device=played["device"],
                used=int(played["used"]),
                inodes=int(played["inodes"]) if played["inodes"].isdigit() else None,
                size=size_bytes(played["size"].replace(" ", "")),
                avail=size_bytes(played["avail"].replace(" ", "")),
                line=line.strip(),
            )
            continue
        if line.startswith("Filesystem") and "Mounted on" in line:
            header = line.replace("Mounted on", "Mounted_on").split()
            continue
        if header is None:
            continue
        fields = (pending + " " + line).split() if pending else line.split()
        if len(fields) == 1:  # df without -P wraps a long device name onto its own line
            pending = fields[0]
            continue
        pending = ""
        if len(fields) != len(header):
            # A row whose middle was altered (a sanitizer took two numbers for a secret)
            # still says its use and mount point at the end.
            if len(fields) >= 3 and _DF_USE.match(fields[-2]) and fields[-2] != "-":
                share = int(fields[-2][:-1])
                inode_row = "IUse%" in header
                yield FilesystemUsage(
                    mount=fields[-1],
                    device=fields[0],
                    used=None if inode_row else share,
                    inodes=share if inode_row else None,
                    line=line.strip(),
                )
            continue
        row = dict(zip(header, fields, strict=True))
        inode_mode = "IUse%" in row
        percent = row.get("IUse%") if inode_mode else (row.get("Use%") or row.get("Capacity"))
        if percent is None or not _DF_USE.match(percent):
            continue
        value = int(percent[:-1]) if percent != "-" else None
        if inode_mode:
            yield FilesystemUsage(
                mount=row["Mounted_on"], device=row["Filesystem"], inodes=value, line=line.strip()
            )
            continue
        unit = "" if "Size" in row else "K"
        size = row.get("Size") or row.get("1024-blocks") or row.get("1K-blocks")
        avail = row.get("Avail") or row.get("Available")
        yield FilesystemUsage(
            mount=row["Mounted_on"],
            device=row["Filesystem"],
            used=value,
            size=size_bytes(size, unit) if size else None,
            avail=size_bytes(avail, unit) if avail else None,
            line=line.strip(),
        )


# du prints "size<TAB>path"; a pasted or annotated listing may add a remark after the path.
_DU = re.compile(r"^(?P<size>\d+(?:[.,]\d+)?[KMGTP]?)\s+(?P<path>/\S*)(?:\s+\(.*)?$")
_DU_INLINE = re.compile(r"(?P<path>/[\w./-]*)\s+(?P<size>\d+)\b")


def parse_directory_sizes(text: str, default_unit: str = "K") -> list[DirectorySize]:
    """``du -s`` rows (``32871204\t/var/log/app``, ``1.2G\t/var/log``); sizes without a unit
    are in ``default_unit`` (``du -k``, the default of GNU du)."""
    sizes: dict[str, DirectorySize] = {}
    for line in text.splitlines():
        match = _DU.match(line.strip())
        if match:
            found = size_bytes(match["size"], default_unit)
            if found is not None:
                sizes[match["path"]] = DirectorySize(
                    path=match["path"], bytes=found, line=line.strip()
                )
        elif "du -s" in line and "KiB" in line:  # check_disk's one-line summary
            for inline in _DU_INLINE.finditer(line.split(":", 1)[-1]):
                sizes.setdefault(
                    inline["path"],
                    DirectorySize(
                        path=inline["path"], bytes=int(inline["size"]) * 1024, line=line.strip()
                    ),
                )
    return list(sizes.values())


def parse_deleted_open_files(text: str) -> list[DeletedOpenFile]:
    """``lsof +L1`` rows whose NAME ends in ``(deleted)``."""
    found = []
    header: list[str] | None = None
    for line in text.splitlines():
        fields = line.split()
        if fields[:2] == ["COMMAND", "PID"] and "NAME" in fields:
            header = fields
            continue
        if header is None or not line.rstrip().endswith("(deleted)"):
            continue
        cells = line.split(None, len(header) - 1)
        if len(cells) < len(header):
            continue
        row = dict(zip(header, cells, strict=True))
        size = row.get("SIZE/OFF") or row.get("SIZE") or ""
        if not (row["PID"].isdigit() and size.isdigit()):
            continue
        found.append(
            DeletedOpenFile(
                pid=int(row["PID"]),
                process=row["COMMAND"],
                path=row["NAME"].removesuffix("(deleted)").strip(),
                bytes=int(size),
                line=line.strip(),
            )
        )
    return found


_FREE_ROW = re.compile(r"^(?P<kind>Mem|Swap):\s+(?P<values>.+)$")


def parse_memory(text: str) -> MemoryUsage | None:
    """``free`` (``-k`` the default, ``-m``, ``-h``): numbers without a unit are KiB unless the
    text says ``free -m``."""
    header: list[str] | None = None
    mem: dict[str, int | None] = {}
    swap: dict[str, int | None] = {}
    line_text = ""
    unit = "M" if re.search(r"free -m\b", text) else "K"
    for line in text.splitlines():
        fields = line.split()
        if fields[:3] == ["total", "used", "free"]:
            header = fields
            continue
        row = _FREE_ROW.match(line.strip())
        if header is None or row is None:
            continue
        values = dict(zip(header, row["values"].split(), strict=False))
        parsed = {k: size_bytes(v, unit) for k, v in values.items()}
        if row["kind"] == "Mem":
            mem, line_text = parsed, line.strip()
        else:
            swap = parsed
    total = mem.get("total")
    if total is None:
        return None
    return MemoryUsage(
        total=total,
        used=mem.get("used"),
        available=mem.get("available"),
        swap_total=swap.get("total"),
        swap_used=swap.get("used"),
        line=line_text,
    )


_KILLED = re.compile(
    r"(?:Out of memory|Memory cgroup out of memory): Killed process (?P<pid>\d+) "
    r"\((?P<proc>.+?)\)(?=[\s,]|$)"
)
_OOM_KILL = re.compile(
    r"oom-kill:.*?task_memcg=(?P<memcg>[^,]*),task=(?P<proc>[^,]+),pid=(?P<pid>\d+)"
)
_UNIT_OOM = re.compile(
    r"(?P<unit>[\w@:.\-\\]+\.service): A process of this unit has been killed by the OOM killer"
)
_RESULT_OOM = re.compile(r"(?P<unit>[\w@:.\-\\]+\.service): Failed with result 'oom-kill'")
_DMESG_TIME = re.compile(r"^\[\s*(?P<t>[^\]]+)\]")


def parse_oom_kills(text: str) -> list[OOMKill]:
    """Kernel OOM reports (dmesg, ``dmesg -T``, kernel lines in the journal) and systemd's
    ``oom-kill`` results, merged by pid; the unit comes from ``task_memcg`` or systemd."""
    by_pid: dict[int, OOMKill] = {}
    units: list[OOMKill] = []
    for line in text.splitlines():
        stripped = line.strip()
        time = _DMESG_TIME.search(stripped.split("kernel: ", 1)[-1])
        stamp = time["t"].strip() if time else None
        memcg = _OOM_KILL.search(stripped)
        killed = _KILLED.search(stripped)
        if memcg or killed:
            match = memcg or killed
            assert match is not None
            pid = int(match["pid"])
            unit = _memcg_unit(memcg["memcg"]) if memcg else None
            known = by_pid.get(pid)
            fact = OOMKill(
                process=match["proc"],
                pid=pid,
                unit=unit or (known.unit if known else None),
                time=stamp,
                line=stripped if killed or known is None else known.line,
            )
            by_pid[pid] = fact
            continue
        unit_oom = _UNIT_OOM.search(stripped) or _RESULT_OOM.search(stripped)
        if unit_oom and not any(u.unit == unit_oom["unit"] for u in units):
            units.append(OOMKill(unit=unit_oom["unit"], line=stripped))
    kills = list(by_pid.values())
    named = {k.unit for k in kills if k.unit}
    return kills + [u for u in units if u.unit not in named]


def _memcg_unit(memcg: str) -> str | None:
    last = memcg.rstrip("/").rsplit("/", 1)[-1]
    return last if last.endswith((".service", ".scope")) else None

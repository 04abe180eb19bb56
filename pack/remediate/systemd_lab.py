"""The systemd lab: a real Debian host booted with systemd-nspawn, reached over SSH.

The root filesystem is built once with debootstrap and kept as a tarball under the cache
directory, named by the hash of its recipe (suite, packages, the files in
``systemd_lab_files/``): a changed recipe builds a new one. Each ``start()`` unpacks a fresh
copy, writes the per-boot settings (ports, SSH keys), boots it with ``systemd-nspawn -b``
and waits until ``ops@127.0.0.1`` answers over SSH with nginx in front of a healthy webapp.

The container shares the host's network namespace, so every listener is bound to
127.0.0.1 explicitly: sshd, nginx and webapp never listen on any other address. Needs root
(debootstrap, nspawn); without it :class:`LabNeedsRoot` says so before anything happens.
``stop()`` powers the container off, kills what remains and deletes the unpacked copy.

Failure states (each a real one, produced by the host itself): a killed unit (webapp
SIGKILLed, ``Restart=no``), an OOM-killed unit (memhog exceeds ``MemoryMax``), a unit that
hits its start limit (flapper), a full log directory (/var/log/app, a small tmpfs, filled
with old rotations), and a runaway process (``runaway``, a CPU-bound executable).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

import yaml

from remediate.errors import ExecutionError, OperationalError

FILES = Path(__file__).with_name("systemd_lab_files")
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = "systemd,systemd-sysv,dbus,openssh-server,python3,sudo,nginx-light,procps,lsof,iproute2"
DEFAULT_CACHE = Path("/var/cache/remediate")
DEFAULT_DIR = Path("/var/lib/remediate/systemd-lab")
HOST = "lab-sd-01"
USER = "ops"
SERVICES = ["webapp", "nginx", "memhog", "flapper"]
RUNAWAY = "runaway"
APP_LOG_SIZE = "54m"
_HOLDER = "app-log-writer"  # argv[0] of the process holding a deleted log open
_V1_MEMORY = Path("/sys/fs/cgroup/memory")
_BOOT_TIMEOUT = 90.0
_STOP_TIMEOUT = 30.0
# Rotations logrotate leaves behind with its default names and with ``dateext``.
_OLD_LOGS = {
    "nginx/access.log.1": 1,
    "nginx/access.log.2.gz": 8,
    "nginx/access.log.3.gz": 15,
    "nginx/error.log-20261101.gz": 30,
    "messages-20261025": 37,
    "messages-20261101.gz": 30,
    "syslog.1": 1,
    "syslog.2.gz": 9,
}


class LabNeedsRoot(OperationalError):
    pass


def recipe_hash() -> str:
    digest = hashlib.sha256(f"{SUITE}\n{MIRROR}\n{PACKAGES}\n".encode())
    for path in sorted(FILES.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def check_can_run() -> None:
    """Refuse early, with the reason, where the lab cannot run."""
    if os.geteuid() != 0:
        raise LabNeedsRoot("the systemd lab needs root (debootstrap and systemd-nspawn)")
    missing = [tool for tool in ("debootstrap", "systemd-nspawn") if not shutil.which(tool)]
    if missing:
        raise LabNeedsRoot(
            f"the systemd lab needs {' and '.join(missing)}: "
            "apt-get install debootstrap systemd-container"
        )


def _run(command: list[str], *, timeout: float = 600, what: str = "") -> str:
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExecutionError(f"{what or command[0]} failed: {exc}") from exc
    if proc.returncode != 0:
        raise ExecutionError(
            f"{what or shlex.join(command)} exited {proc.returncode}: "
            f"{(proc.stderr or proc.stdout)[-2000:]}"
        )
    return proc.stdout


def ensure_rootfs(cache: Path = DEFAULT_CACHE) -> Path:
    """The tarball of the provisioned root filesystem; built if its recipe is new."""
    check_can_run()
    tarball = cache / f"systemd-lab-{SUITE}-{recipe_hash()}.tar"
    if tarball.is_file():
        return tarball
    cache.mkdir(parents=True, exist_ok=True)
    debs = cache / "debs"
    debs.mkdir(exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix="build-", dir=cache))
    root = build / "root"
    try:
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={PACKAGES}",
                f"--cache-dir={debs}",
                SUITE,
                str(root),
                MIRROR,
            ],
            timeout=1800,
            what="debootstrap",
        )
        shutil.copytree(FILES, root / "tmp" / "lab")
        _run(["chroot", str(root), "/bin/sh", "/tmp/lab/provision.sh"], what="provision")  # noqa: S108 (in the chroot)
        partial = build / "rootfs.tar"
        _run(["tar", "-C", str(root), "--numeric-owner", "-cf", str(partial), "."], what="tar")
        partial.rename(tarball)
    finally:
        _remove_tree(build)
    for stale in cache.glob(f"systemd-lab-{SUITE}-*.tar"):
        if stale != tarball:
            stale.unlink(missing_ok=True)
    return tarball


class SystemdLab:
    """One booted container and the inventory, key and known_hosts that reach it."""

    def __init__(self, directory: Path = DEFAULT_DIR, *, cache: Path = DEFAULT_CACHE) -> None:
        self.directory = Path(directory).resolve()
        self.cache = cache
        self.host = HOST
        self.service = "webapp"
        self.description = (
            f"systemd unit '{self.service}' behind nginx, over SSH as {USER} (sudo for become)"
        )
        self.ports: dict[str, int] = {}
        self._nspawn: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------------ paths

    @property
    def rootfs(self) -> Path:
        return self.directory / "rootfs"

    @property
    def inventory_path(self) -> Path:
        return self.directory / "inventory.yml"

    @property
    def key_path(self) -> Path:
        return self.directory / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.directory / "known_hosts"

    @property
    def state_path(self) -> Path:
        return self.directory / "lab.json"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['nginx']}/health"

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        check_can_run()
        if self.state_path.exists():
            raise ExecutionError(f"a lab is already up in {self.directory}: stop it first")
        tarball = ensure_rootfs(self.cache)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            _remove_tree(self.rootfs)
            self.rootfs.mkdir()
            _run(["tar", "-C", str(self.rootfs), "--numeric-owner", "-xf", str(tarball)])
            self.ports = {"ssh": _free_port(), "nginx": _free_port(), "webapp": _free_port()}
            self._configure()
            self._boot()
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Power the container off, kill whatever remains, delete the unpacked copy."""
        pid = self._nspawn.pid if self._nspawn else self._recorded_pid()
        if pid and _is_nspawn_of(pid, self.rootfs):
            init = _children(pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)  # nspawn turns it into an orderly poweroff
            if not _wait_gone(pid, _STOP_TIMEOUT, self._nspawn):
                for victim in (*init, pid):  # the namespace's init takes every process with it
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(victim, signal.SIGKILL)
                _wait_gone(pid, 10, self._nspawn)
        self._nspawn = None
        try:
            if self.ports and _V1_MEMORY.is_dir():
                self._remove_memory_cgroup()
        finally:
            _remove_tree(self.rootfs)
            self.state_path.unlink(missing_ok=True)

    def detach(self) -> None:
        """Leave the container running after this process exits (``remediate lab up``);
        ``attach(directory).stop()`` stops it later by the pid in ``lab.json``."""
        if self._nspawn is not None:
            self._nspawn.returncode = 0  # not ours to wait for any more: no ResourceWarning
            self._nspawn = None

    @classmethod
    def attach(cls, directory: Path = DEFAULT_DIR) -> SystemdLab:
        """The lab a previous ``start()`` left running in ``directory`` (``remediate lab``)."""
        lab = cls(directory)
        try:
            state = json.loads(lab.state_path.read_text())
        except (OSError, ValueError) as exc:
            raise ExecutionError(f"no systemd lab is up in {lab.directory}") from exc
        lab.ports = {k: int(v) for k, v in state["ports"].items()}
        return lab

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ on the host

    def ssh(self, command: str, *, check: bool = True, timeout: float = 60) -> str:
        """Run a shell command on the lab host as the SSH user (prefix ``sudo`` for root)."""
        argv = ["ssh", *self.ssh_options(), "-p", str(self.ports["ssh"]), f"{USER}@127.0.0.1"]
        try:
            proc = subprocess.run(
                [*argv, command], capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ExecutionError(f"ssh {command!r} timed out") from exc
        if check and proc.returncode != 0:
            raise ExecutionError(f"ssh {command!r} exited {proc.returncode}: {proc.stderr}")
        return proc.stdout

    def ssh_options(self) -> list[str]:
        return [
            "-i",
            str(self.key_path),
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
        ]

    def is_healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def unit(self, name: str, *properties: str) -> dict[str, str]:
        out = self.ssh(f"systemctl show {shlex.quote(name)} -p {','.join(properties)}")
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def wait_for(self, what: str, condition: object, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not callable(condition) or not condition():
            if time.monotonic() > deadline:
                raise ExecutionError(f"the lab did not reach '{what}' within {timeout:.0f} s")
            time.sleep(0.2)

    # failure states ----------------------------------------------------------

    def crash(self) -> None:
        """The demo's outage: webapp killed, nginx answering 502."""
        self.kill_webapp()

    def kill_webapp(self) -> None:
        """SIGKILL webapp: it stays down (Restart=no) and nginx answers 502."""
        self.ssh("sudo kill -KILL $(systemctl show --property=MainPID --value webapp)")
        self.wait_for(
            "webapp failed", lambda: self.unit("webapp", "ActiveState")["ActiveState"] == "failed"
        )

    def oom_memhog(self) -> None:
        """Start memhog; the kernel's OOM killer ends it at MemoryMax.

        Under a cgroup-v1 memory controller (this machine's), nspawn mounts it read-only in
        the container, so systemd there cannot apply MemoryMax; the lab applies the unit's
        limit from the host instead, in a memory cgroup of its own. The kill is the
        kernel's either way; systemd then records the unit as killed by SIGKILL."""
        self.ssh("sudo systemctl start memhog", check=False)
        if _V1_MEMORY.is_dir():
            self._enforce_memory_max("memhog-report", 48 << 20)
        self.wait_for(
            "memhog failed", lambda: self.unit("memhog", "ActiveState")["ActiveState"] == "failed"
        )

    def start_limit_flapper(self) -> None:
        """Start flapper, which exits at once until systemd stops restarting it ("Start
        request repeated too quickly"). systemd 252 keeps Result=exit-code then; the start
        limit shows in the journal and in NRestarts reaching StartLimitBurst."""
        self.ssh("sudo systemctl start flapper", check=False)

        def gave_up() -> bool:
            unit = self.unit("flapper", "ActiveState", "NRestarts")
            return unit["ActiveState"] == "failed" and int(unit["NRestarts"]) >= 3

        self.wait_for("flapper start limit hit", gave_up)

    def fill_app_logs(self) -> None:
        """Fill /var/log/app with old rotated logs (about 95 % of its tmpfs), one of them
        deleted while a writer still holds it open (df counts it, du does not)."""
        self.ssh("sudo /usr/local/sbin/lab-fill-app-logs")
        self.ssh(
            "sudo setsid -f bash -c 'exec 3>/var/log/app/debug.log; "
            "head -c 1500000 /dev/urandom >&3; rm /var/log/app/debug.log; "
            f"exec -a {_HOLDER} sleep 3600' </dev/null >/dev/null 2>&1"
        )

    def start_runaway(self) -> None:
        """Start the allowlisted runaway process (a busy loop writing to /dev/null)."""
        self.ssh(f"setsid -f {RUNAWAY} >/dev/null 2>&1 </dev/null")
        self.wait_for("runaway running", lambda: bool(self.ssh(f"pgrep -x {RUNAWAY}", check=False)))

    def reset(self) -> None:
        """Back to the healthy state: every failure undone, between tests."""
        self.ssh(
            f"sudo pkill -KILL -x {RUNAWAY}; sudo pkill -KILL -f '^{_HOLDER}'; "
            "sudo systemctl stop memhog flapper; "
            "sudo systemctl reset-failed; "
            "sudo find /var/log/app -mindepth 1 -delete; "
            "sudo systemctl start webapp nginx",
            check=False,
        )
        self.wait_for("webapp healthy behind nginx", self.is_healthy)

    # ------------------------------------------------------------------ internals

    def _memory_cgroup(self) -> Path:
        own = next(
            line.split(":", 2)[2]
            for line in Path("/proc/self/cgroup").read_text().splitlines()
            if line.split(":")[1] == "memory"
        )
        return _V1_MEMORY / own.lstrip("/") / f"rmd-{HOST}-{self.ports['ssh']}"

    def _remove_memory_cgroup(self) -> None:
        """Remove the host memory cgroup; the kernel refuses while a dying task is in it."""
        group = self._memory_cgroup()
        deadline = time.monotonic() + 10
        while group.exists():
            try:
                group.rmdir()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _enforce_memory_max(self, marker: str, limit: int) -> None:
        deadline = time.monotonic() + 10
        pids: list[int] = []
        while not pids:
            pids = self._host_pids(marker)
            if time.monotonic() > deadline:
                raise ExecutionError(f"no {marker} process appeared in the lab")
            time.sleep(0.05)
        group = self._memory_cgroup()
        group.mkdir(exist_ok=True)
        (group / "memory.limit_in_bytes").write_text(str(limit))
        for pid in pids:
            with contextlib.suppress(OSError):
                (group / "cgroup.procs").write_text(str(pid))

    def _host_pids(self, marker: str) -> list[int]:
        """Host pids of the lab's processes whose argv holds ``marker``."""
        nspawn = self._nspawn.pid if self._nspawn else self._recorded_pid()
        init = _children(nspawn)
        if not init:
            raise ExecutionError("the lab's container is not running")
        namespace = os.readlink(f"/proc/{init[0]}/ns/pid")
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                argv = (proc / "cmdline").read_bytes().split(b"\0")
                if marker.encode() in argv and os.readlink(proc / "ns" / "pid") == namespace:
                    found.append(int(proc.name))
        return found

    def _configure(self) -> None:
        root = self.rootfs
        for path in (self.key_path, self.directory / "ssh_host_ed25519_key"):
            path.unlink(missing_ok=True)
            path.with_suffix(".pub").unlink(missing_ok=True)
            _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", HOST, "-f", str(path)])
        host_key = self.directory / "ssh_host_ed25519_key"
        for suffix in ("", ".pub"):
            target = root / "etc/ssh" / f"ssh_host_ed25519_key{suffix}"
            shutil.copyfile(f"{host_key}{suffix}", target)
            target.chmod(0o600 if not suffix else 0o644)
        public = host_key.with_suffix(".pub").read_text().split()[:2]
        self.known_hosts.write_text(f"[127.0.0.1]:{self.ports['ssh']} {' '.join(public)}\n")
        (root / "etc/ssh/sshd_config.d/lab.conf").write_text(
            f"Port {self.ports['ssh']}\nListenAddress 127.0.0.1\n"
            "HostKey /etc/ssh/ssh_host_ed25519_key\n"
            "PasswordAuthentication no\nPermitRootLogin no\nUseDNS no\n"
        )
        ssh_dir = root / "home" / USER / ".ssh"
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        shutil.copyfile(self.key_path.with_suffix(".pub"), ssh_dir / "authorized_keys")
        ids = _passwd_ids(root, USER)
        for path in (ssh_dir, ssh_dir / "authorized_keys"):
            os.chown(path, *ids)
        (root / "etc/default/webapp").write_text(f"WEBAPP_PORT={self.ports['webapp']}\n")
        site = (FILES / "nginx-site.conf").read_text()
        for name in ("nginx", "webapp"):
            site = site.replace(f"@{name.upper()}_PORT@", str(self.ports[name]))
        (root / "etc/nginx/sites-enabled/lab").write_text(site)
        (root / "etc/hostname").write_text(HOST + "\n")
        with (root / "etc/hosts").open("a") as hosts:
            hosts.write(f"127.0.1.1\t{HOST}\n")
        now = time.time()
        for name, days in _OLD_LOGS.items():
            path = root / "var/log" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(os.urandom(64 * 1024))
            os.utime(path, (now - days * 86400, now - days * 86400))
        self.inventory_path.write_text(yaml.safe_dump(self._inventory(), sort_keys=False))

    def _inventory(self) -> dict[str, object]:
        host_vars = {
            "ansible_host": "127.0.0.1",
            "ansible_port": self.ports["ssh"],
            "ansible_user": USER,
            "ansible_ssh_private_key_file": str(self.key_path),
            # Host keys are checked against the lab's own known_hosts; connections are
            # reused between runs (ControlPersist) so a playbook does not pay the handshake.
            "ansible_ssh_common_args": (
                f"-o UserKnownHostsFile={self.known_hosts} -o StrictHostKeyChecking=yes "
                "-o ControlMaster=auto -o ControlPersist=120s"
            ),
            "ansible_python_interpreter": "/usr/bin/python3",
            # Modules go through the SSH session's stdin instead of a copied temp file:
            # one round trip per task instead of four (sudo has no requiretty here).
            "ansible_pipelining": True,
            "ansible_become_method": "sudo",
            "services": list(SERVICES),
            "service_manager": "systemd",
            "health_urls": {"webapp": self.health_url},
            "killable": [RUNAWAY],
        }
        return {"all": {"hosts": {HOST: host_vars}}}

    def _boot(self) -> None:
        console = (self.directory / "console.log").open("ab")
        with console:
            self._nspawn = subprocess.Popen(
                [
                    "systemd-nspawn",
                    f"--directory={self.rootfs}",
                    "--boot",
                    "--register=no",
                    "--keep-unit",  # no host systemd to ask for a scope
                    "--console=passive",
                    f"--machine=rmd-{HOST}-{self.ports['ssh']}",
                    f"--hostname={HOST}",
                    "--resolv-conf=off",
                    "--link-journal=no",
                    "--capability=CAP_SYSLOG",  # dmesg, as on a host
                    f"--tmpfs=/var/log/app:mode=0755,size={APP_LOG_SIZE}",
                ],
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=console,
                start_new_session=True,
            )
        self.state_path.write_text(
            json.dumps({"pid": self._nspawn.pid, "ports": self.ports, "host": HOST})
        )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + _BOOT_TIMEOUT
        while True:
            if self._nspawn is not None and self._nspawn.poll() is not None:
                raise ExecutionError(f"systemd-nspawn exited: {self._console_tail()}")
            out = self.ssh("systemctl is-system-running", check=False, timeout=10).strip()
            if out in {"running", "degraded"} and self.is_healthy():
                return
            if time.monotonic() > deadline:
                raise ExecutionError(
                    f"the lab did not come up within {_BOOT_TIMEOUT:.0f} s "
                    f"(system: {out or 'no SSH'}): {self._console_tail()}"
                )
            time.sleep(0.3)

    def _console_tail(self) -> str:
        try:
            return (self.directory / "console.log").read_text(errors="replace")[-2000:]
        except OSError:
            return "(no console log)"

    def _recorded_pid(self) -> int:
        try:
            return int(json.loads(self.state_path.read_text())["pid"])
        except (OSError, ValueError, KeyError):
            return 0


def _mounts_under(path: Path) -> list[str]:
    prefix = os.fsdecode(path) + "/"
    mounts = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            point = line.split()[4].encode().decode("unicode_escape")
            if point.startswith(prefix) or point == prefix[:-1]:
                mounts.append(point)
    return sorted(mounts, key=len, reverse=True)


def _remove_tree(path: Path) -> None:
    """Delete a root filesystem, unmounting first whatever is mounted below it (debootstrap
    mounts /proc and /sys there): a recursive delete must never reach the host's own."""
    for point in _mounts_under(path):
        subprocess.run(["umount", "--lazy", point], capture_output=True, check=False)
    if _mounts_under(path):
        raise ExecutionError(f"cannot remove {path}: still mounted below it")
    shutil.rmtree(path, ignore_errors=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _passwd_ids(root: Path, user: str) -> tuple[int, int]:
    for line in (root / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == user:
            return int(fields[2]), int(fields[3])
    raise ExecutionError(f"no user {user} in the lab's /etc/passwd")


def _is_nspawn_of(pid: int, rootfs: Path) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return (
        bool(argv)
        and argv[0].endswith(b"systemd-nspawn")
        and (os.fsencode(f"--directory={rootfs}") in argv)
    )


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (an exited child of ours, or of an init that does not reap)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _wait_gone(pid: int, timeout: float, proc: subprocess.Popen[bytes] | None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None:
            if proc.poll() is not None:
                return True
        elif not _running(pid):
            return True
        time.sleep(0.1)
    return False

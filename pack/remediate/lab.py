"""The demo lab: one inventory "host" on this machine, reached with Ansible's local connection.

A real HTTP service (``lab/webapp.py``) under a real supervisord run as the current user, so
the catalog's playbooks observe, restart and verify it as they would a production host.
``autorestart`` is off: a crash stays down until remediate, after approval, restarts it.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Self

import yaml

from remediate.errors import ExecutionError

_WEBAPP = Path(__file__).with_name("lab") / "webapp.py"
_START_TIMEOUT = 15.0
_CRASH_TIMEOUT = 10.0
# sun_path holds 108 bytes on Linux and 104 on macOS, terminator included.
_MAX_SOCKET_PATH = 100


class Lab:
    """A supervisord-managed web service on 127.0.0.1, plus the inventory that describes it."""

    def __init__(
        self, directory: Path, *, host: str = "lab-web-01", service: str = "webapp"
    ) -> None:
        self.directory = Path(directory).resolve()
        self.host = host
        self.service = service
        self.description = f"'{service}' under supervisord, local connection"
        self.config_path = self.directory / "supervisord.conf"
        self._port: int | None = None
        self._supervisord: subprocess.Popen[bytes] | None = None
        self._socket_dir: Path | None = None  # when ``directory`` is too deep for a socket
        self._reaper: weakref.finalize[[subprocess.Popen[bytes]], Lab] | None = None

    @property
    def inventory_path(self) -> Path:
        return self.directory / "inventory.yml"

    @property
    def health_url(self) -> str:
        if self._port is None:
            raise ExecutionError("the lab is not started")
        return f"http://127.0.0.1:{self._port}/health"

    def start(self) -> None:
        """Start supervisord and the web service; return once ``/health`` answers 200."""
        if self._supervisord is not None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        self._port = _free_port()
        self.config_path.write_text(self._config(self._socket_path()))
        self.inventory_path.write_text(yaml.safe_dump(self._inventory(), sort_keys=False))
        with (self.directory / "supervisord.stderr.log").open("ab") as console:
            self._supervisord = subprocess.Popen(
                [sys.executable, "-m", "supervisor.supervisord", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=console,
                cwd=self.directory,
                start_new_session=True,
            )
        # A lab dropped without stop() must not outlive the interpreter.
        self._reaper = weakref.finalize(self, _terminate, self._supervisord)
        try:
            self._wait_until(self._started, _START_TIMEOUT, f"{self.service} not healthy")
        except BaseException:
            self.stop()
            raise

    def _started(self) -> bool:
        state = self.state()
        if state in {"FATAL", "EXITED", "BACKOFF"}:
            log = self.directory / f"{self.service}.err.log"
            raise ExecutionError(f"{self.service} {state}: {_tail(log)}")
        return state == "RUNNING" and self.is_healthy()

    def crash(self) -> None:
        """SIGKILL the web service, as an outage would; supervisord leaves it EXITED."""
        pid = self._pid()
        if pid == 0:
            raise ExecutionError(f"{self.service} is not running, nothing to crash")
        os.kill(pid, signal.SIGKILL)
        self._wait_until(self._crashed, _CRASH_TIMEOUT, f"{self.service} up after SIGKILL")

    def recover(self) -> None:
        """Bring the service back by hand (between test cases); remediate's own path is the
        approved restart_service playbook."""
        if self.is_healthy():
            return
        self._supervisorctl("start", self.service)
        self._wait_until(self.is_healthy, _START_TIMEOUT, f"{self.service} did not come back")

    def _crashed(self) -> bool:
        return self.state() == "EXITED" and not self._port_accepts()

    def is_healthy(self) -> bool:
        if self._port is None:
            return False
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def state(self) -> str:
        """The service's supervisord state name (RUNNING, EXITED, STOPPED...)."""
        fields = self._supervisorctl("status", self.service).split()
        return fields[1] if len(fields) > 1 else "UNKNOWN"

    def stop(self) -> None:
        """Stop supervisord and every child. Idempotent; never leaves a process behind."""
        proc, self._supervisord = self._supervisord, None
        if proc is None:
            return
        if self._reaper is not None:
            self._reaper.detach()
            self._reaper = None
        child = 0
        if proc.poll() is None:
            with contextlib.suppress(ExecutionError):
                child = self._pid()
            _terminate(proc)
        # supervisord gives each program its own process group; if it died before
        # reaping it, the web service is an orphan and is ours to kill.
        if child and self._is_our_webapp(child):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child, signal.SIGKILL)
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ internals

    def _socket_path(self) -> Path:
        path = self.directory / "supervisor.sock"
        if len(os.fsencode(path)) <= _MAX_SOCKET_PATH:
            return path
        self._socket_dir = Path(tempfile.mkdtemp(prefix="rmd-lab-"))
        return self._socket_dir / "s.sock"

    def _config(self, socket_path: Path) -> str:
        def value(text: object) -> str:
            return str(text).replace("%", "%%")  # supervisor expands %(name)s

        d = value(self.directory)
        command = shlex.join(
            [sys.executable, "-u", str(_WEBAPP), "--port", str(self._port), "--name", self.service]
        )
        return f"""\
[unix_http_server]
file = {value(socket_path)}
chmod = 0700
[supervisorctl]
serverurl = unix://{value(socket_path)}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisord]
nodaemon = true
silent = true
logfile = {d}/supervisord.log
pidfile = {d}/supervisord.pid
childlogdir = {d}
[program:{value(self.service)}]
command = {value(command)}
directory = {d}
autorestart = false
startsecs = 1
startretries = 0
stopwaitsecs = 5
stopasgroup = true
killasgroup = true
stdout_logfile = {d}/{value(self.service)}.out.log
stderr_logfile = {d}/{value(self.service)}.err.log
"""

    def _inventory(self) -> dict[str, object]:
        host_vars = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "ansible_host": "127.0.0.1",
            "services": [self.service],
            "service_manager": "supervisord",
            "supervisor_config": str(self.config_path),
            "supervisorctl": str(_supervisorctl_executable()),
            "health_urls": {self.service: self.health_url},
        }
        return {"all": {"hosts": {self.host: host_vars}}}

    def _supervisorctl(self, *args: str) -> str:
        command = [str(_supervisorctl_executable()), "-c", str(self.config_path), *args]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ExecutionError(f"supervisorctl {' '.join(args)} failed: {exc}") from exc
        return proc.stdout

    def _pid(self) -> int:
        out = self._supervisorctl("pid", self.service).strip()
        if not out.isdigit():
            raise ExecutionError(f"supervisorctl pid {self.service}: {out or 'no answer'}")
        return int(out)

    def _port_accepts(self) -> bool:
        assert self._port is not None
        try:
            with socket.create_connection(("127.0.0.1", self._port), timeout=1):
                return True
        except OSError:
            return False

    def _is_our_webapp(self, pid: int) -> bool:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return os.fsencode(_WEBAPP) in cmdline and str(self._port).encode() in cmdline

    def _wait_until(self, condition: Callable[[], bool], timeout: float, failure: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self._supervisord is not None and self._supervisord.poll() is not None:
                console = self.directory / "supervisord.stderr.log"
                raise ExecutionError(f"supervisord exited: {_tail(console)}")
            if time.monotonic() > deadline:
                raise ExecutionError(f"{failure} within {timeout:.0f} s")
            time.sleep(0.1)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM supervisord (it stops its programs, then exits); SIGKILL it if it hangs."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-2000:] or "(empty log)"
    except OSError:
        return f"(no {log.name})"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _supervisorctl_executable() -> Path:
    # The supervisor package installs it next to the interpreter running the lab.
    return Path(sys.executable).with_name("supervisorctl")

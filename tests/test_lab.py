"""The demo lab: a real web service under a real supervisord, and nothing left behind."""

from __future__ import annotations

import os
import socket
import urllib.request
from pathlib import Path

import pytest
import yaml

import remediate.lab
from remediate.errors import ExecutionError
from remediate.lab import Lab


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited all the same.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return True


def _webapp_pid(lab: Lab) -> int:
    return int(lab._supervisorctl("pid", lab.service))


def test_lifecycle_start_crash_stop(tmp_path: Path) -> None:
    lab = Lab(tmp_path / "lab")
    lab.start()
    try:
        assert lab.is_healthy()
        assert lab.state() == "RUNNING"
        with urllib.request.urlopen(lab.health_url.removesuffix("health"), timeout=2) as root:
            assert root.status == 200
        supervisord, webapp = lab._supervisord, _webapp_pid(lab)
        assert supervisord is not None and webapp > 0

        hosts = yaml.safe_load(lab.inventory_path.read_text())["all"]["hosts"]
        host = hosts["lab-web-01"]
        assert host["ansible_connection"] == "local"
        assert host["service_manager"] == "supervisord"
        assert host["services"] == ["webapp"]
        assert host["health_urls"] == {"webapp": lab.health_url}
        assert Path(host["supervisor_config"]).is_file()
        assert Path(host["supervisorctl"]).is_file()
        assert Path(host["ansible_python_interpreter"]).is_file()

        lab.crash()
        assert not lab.is_healthy()
        assert lab.state() == "EXITED"  # autorestart is off: a crash stays down
        port = int(lab.health_url.split(":")[2].split("/")[0])
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        assert not _alive(webapp)
        out = (lab.directory / "webapp.out.log").read_text()
        assert "GET /health" in out and "listening on" in out
        with pytest.raises(ExecutionError, match="not running"):
            lab.crash()
    finally:
        lab.stop()
    assert not _alive(supervisord.pid)
    lab.stop()  # idempotent


def test_context_manager_in_a_deep_directory_stops_everything(tmp_path: Path) -> None:
    """A socket path too long for AF_UNIX moves to a short temporary directory."""
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    with Lab(deep, host="lab-db-01", service="api") as lab:
        assert lab.is_healthy()
        assert "lab-db-01" in yaml.safe_load(lab.inventory_path.read_text())["all"]["hosts"]
        socket_dir = lab._socket_dir
        assert socket_dir is not None and len(str(socket_dir)) < 60
        assert str(socket_dir) in lab.config_path.read_text()
        supervisord, webapp = lab._supervisord, _webapp_pid(lab)
        assert supervisord is not None
    assert not _alive(webapp)  # stopped while running, not crashed first
    assert not _alive(supervisord.pid)
    assert not lab.is_healthy()
    assert not socket_dir.exists()


def test_failed_start_raises_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setattr(remediate.lab, "_free_port", lambda: taken.getsockname()[1])
        lab = Lab(tmp_path)
        with pytest.raises(ExecutionError, match="webapp"):
            lab.start()
    assert lab._supervisord is None
    pidfile = tmp_path / "supervisord.pid"
    if pidfile.exists():  # supervisord deletes it on a clean exit
        assert not _alive(int(pidfile.read_text()))

"""Every catalog playbook on a real systemd host over SSH with become, in real failure states.

The systemd lab (``remediate.systemd_lab``) is booted once per session; each test starts from
the healthy state (``lab.reset()``), puts the host in one failure state the host itself
produces, and runs the catalog's playbooks through the same executor remediate uses.
Needs root, debootstrap and systemd-nspawn (CI runs as root and installs both).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from remediate.ansible_executor import AnsibleExecutor, observation_text
from remediate.catalog import load_catalog
from remediate.config import PROJECT_ROOT
from remediate.inventory import load_inventory
from remediate.models import Execution, ExecutionStatus
from remediate.systemd_lab import HOST, RUNAWAY, LabNeedsRoot, SystemdLab, check_can_run

try:
    check_can_run()
    _CANNOT_RUN = ""
except LabNeedsRoot as exc:
    _CANNOT_RUN = str(exc)

pytestmark = pytest.mark.skipif(bool(_CANNOT_RUN), reason=_CANNOT_RUN)

CATALOG = load_catalog(PROJECT_ROOT / "playbooks" / "catalog.yaml")
OK, FAILED = ExecutionStatus.SUCCESSFUL, ExecutionStatus.FAILED


@pytest.fixture(scope="session")
def booted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SystemdLab]:
    with SystemdLab(tmp_path_factory.mktemp("systemd-lab")) as lab:
        nspawn = lab._nspawn
        yield lab
    # Nothing left behind: container, unpacked root filesystem, host memory cgroup.
    assert nspawn is not None and nspawn.poll() is not None
    assert not lab.rootfs.exists() and not lab.state_path.exists()
    assert not (
        lab.ports and Path("/sys/fs/cgroup/memory").is_dir() and lab._memory_cgroup().exists()
    )


@pytest.fixture
def lab(booted: SystemdLab) -> SystemdLab:
    booted.reset()
    return booted


@pytest.fixture
def run(lab: SystemdLab, tmp_path: Path) -> Any:
    executor = AnsibleExecutor(tmp_path / "runs")
    host_vars = load_inventory(lab.inventory_path).get(HOST).vars

    def run_action(action_id: str, check_mode: bool = False, **params: Any) -> Execution:
        action = CATALOG.get(action_id)
        return executor.run(
            action=action_id,
            playbook=CATALOG.playbook_path(action.playbook),
            host=HOST,
            host_vars=host_vars,
            params=action.with_defaults(params),
            check_mode=check_mode,
            timeout=action.timeout,
        )

    return run_action


# ------------------------------------------------------------------ the lab itself


def test_lab_inventory_reaches_the_host_over_ssh_with_checked_host_keys(lab: SystemdLab) -> None:
    host = yaml.safe_load(lab.inventory_path.read_text())["all"]["hosts"][HOST]
    assert host["ansible_user"] == "ops" and host["service_manager"] == "systemd"
    assert f"UserKnownHostsFile={lab.known_hosts}" in host["ansible_ssh_common_args"]
    assert "StrictHostKeyChecking=no" not in lab.inventory_path.read_text()
    assert host["killable"] == [RUNAWAY]
    assert lab.ssh("systemctl is-system-running").strip() == "running"
    assert lab.ssh("sudo -n id -u").strip() == "0"
    # Every socket the lab's processes listen on is on loopback. The network namespace is
    # the host's: sockets of host processes show up too, without a process of the lab.
    ours = [line.split() for line in lab.ssh("sudo ss -Hltnup").splitlines() if "users:" in line]
    assert {"nginx", "python3", "sshd"} <= {f[6].split('"')[1] for f in ours}, ours
    assert {f[4].rsplit(":", 1)[0] for f in ours} == {"127.0.0.1"}, ours
    # A host key that is not the recorded one is refused.
    other = Path(lab.directory) / "other_known_hosts"
    other.write_text(lab.known_hosts.read_text().replace("AAAA", "AAAB", 1))
    ssh = ["ssh", "-i", str(lab.key_path), "-o", f"UserKnownHostsFile={other}"]
    ssh += ["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"]
    refused = subprocess.run(
        [*ssh, "-p", str(lab.ports["ssh"]), "ops@127.0.0.1", "true"], capture_output=True
    )
    assert refused.returncode == 255


def test_without_root_the_lab_says_so_and_stops(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from remediate.cli import main

    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit code and stderr
        code = 1
        try:
            os.setgid(65534)
            os.setuid(65534)
            code = main(["lab", "up", "--dir", str(tmp_path / "lab")])
        finally:
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(child, 0)
    message = capfd.readouterr().err
    assert os.waitstatus_to_exitcode(status) == 3, message
    assert "the systemd lab needs root" in message
    assert not (tmp_path / "lab").exists()


def test_cli_lab_up_and_down(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from remediate.cli import main

    directory = tmp_path / "cli-lab"
    assert main(["lab", "up", "--kind", "systemd", "--dir", str(directory)]) == 0
    try:
        printed = capsys.readouterr().out
        assert f"inventory: {directory / 'inventory.yml'}" in printed
        lab = SystemdLab.attach(directory)
        assert lab.is_healthy() and lab.ssh("hostname").strip() == HOST
    finally:
        assert main(["lab", "down", "--dir", str(directory)]) == 0
    assert not (directory / "rootfs").exists() and not (directory / "lab.json").exists()
    assert main(["lab", "down", "--dir", str(directory)]) == 3  # nothing is up any more


# ------------------------------------------------------------------ read-only, per state


def test_healthy_host_read_only_playbooks(lab: SystemdLab, run: Any) -> None:
    for service in ("webapp", "nginx"):
        status = run("service_status", service=service)
        assert status.status is OK
        text = observation_text(status)
        assert "ActiveState=active" in text and "SubState=running" in text
    assert "-> 200" in observation_text(run("service_status", service="webapp"))
    logs = run("collect_logs", service="webapp")
    assert "webapp listening on 127.0.0.1" in observation_text(logs)
    for action in ("check_cpu", "check_memory", "check_disk"):
        execution = run(action)
        assert execution.status is OK, execution.output


def test_killed_unit(lab: SystemdLab, run: Any) -> None:
    lab.kill_webapp()
    assert not lab.is_healthy()
    status = observation_text(run("service_status", service="webapp"))
    assert "ActiveState=failed" in status and "Result=signal" in status
    assert "-> 502" in status  # nginx answers for the dead app
    logs = observation_text(run("collect_logs", service="webapp"))
    assert "code=killed, status=9/KILL" in logs

    assert run_verify(lab, run, "verify_service", service="webapp").status is FAILED

    dry = run("restart_service", check_mode=True, service="webapp")
    assert dry.status is OK, dry.output
    assert "would restart webapp" in dry.output and "failed/failed, result signal" in dry.output
    assert lab.unit("webapp", "ActiveState")["ActiveState"] == "failed"  # check mode did nothing

    real = run("restart_service", service="webapp")
    assert real.status is OK, real.output
    assert run_verify(lab, run, "verify_service", service="webapp").status is OK
    assert lab.is_healthy()


def test_oom_killed_unit(lab: SystemdLab, run: Any) -> None:
    lab.oom_memhog()
    status = observation_text(run("service_status", service="memhog"))
    assert "ActiveState=failed" in status
    memory = observation_text(run("check_memory"))
    assert "Killed process" in memory and "out of memory" in memory
    logs = observation_text(run("collect_logs", service="memhog"))
    assert "status=9/KILL" in logs
    assert run_verify(lab, run, "verify_service", service="memhog").status is FAILED
    dry = run("restart_service", check_mode=True, service="memhog")
    assert dry.status is OK and "would restart memhog" in dry.output
    real = run("restart_service", service="memhog")
    assert real.status is OK, real.output
    assert run_verify(lab, run, "verify_service", service="memhog").status is OK


def test_start_limit_hit_unit(lab: SystemdLab, run: Any) -> None:
    lab.start_limit_flapper()
    status = observation_text(run("service_status", service="flapper"))
    assert "ActiveState=failed" in status and "NRestarts=3" in status
    logs = observation_text(run("collect_logs", service="flapper"))
    assert "Start request repeated too quickly" in logs
    assert "cannot read /etc/flapper/worker.conf" in logs
    dry = run("restart_service", check_mode=True, service="flapper")
    assert dry.status is OK and "would restart flapper" in dry.output
    # A restart cannot help: the unit fails again at once, and verification says so.
    run("restart_service", service="flapper")
    assert run_verify(lab, run, "verify_service", service="flapper").status is FAILED


def test_full_log_directory(lab: SystemdLab, run: Any) -> None:
    lab.fill_app_logs()
    disk = observation_text(run("check_disk"))
    assert "/var/log/app" in disk
    assert run_verify(lab, run, "verify_disk", path="/var/log/app").status is FAILED
    before = set(lab.ssh("ls /var/log/app").split())
    rotated = {n for n in before if n not in {"app.log", "app.log.1"}}
    assert any(n[-8:].isdigit() for n in rotated)  # date-suffixed, uncompressed

    dry = run("free_disk_space", check_mode=True, path="/var/log/app")
    assert dry.status is OK, dry.output
    assert f"would delete {len(rotated)} rotated file(s)" in dry.output
    assert set(lab.ssh("ls /var/log/app").split()) == before

    real = run("free_disk_space", path="/var/log/app")
    assert real.status is OK, real.output
    # Live log and the recent rotation stay; every old rotation, whatever its name, is gone.
    assert set(lab.ssh("ls /var/log/app").split()) == {"app.log", "app.log.1"}
    assert run_verify(lab, run, "verify_disk", path="/var/log/app").status is OK


def test_date_suffixed_rotations_under_var_log(lab: SystemdLab, run: Any) -> None:
    dry = run("free_disk_space", check_mode=True, path="/var/log")
    assert dry.status is OK, dry.output
    for name in ("messages-20", "nginx/error.log-20", "nginx/access.log.2.gz", "syslog.2.gz"):
        assert f"/var/log/{name}" in dry.output
    assert "/var/log/syslog.1 " not in dry.output  # one day old: younger than 7 days


def test_runaway_process(lab: SystemdLab, run: Any) -> None:
    lab.start_runaway()
    cpu = observation_text(run("check_cpu"))
    top = [line for line in cpu.splitlines() if RUNAWAY in line]
    assert top, cpu
    assert run_verify(lab, run, "verify_process", process=RUNAWAY).status is FAILED
    dry = run("kill_process", check_mode=True, process=RUNAWAY)
    assert dry.status is OK, dry.output
    assert lab.ssh(f"pgrep -x {RUNAWAY}", check=False).strip()
    real = run("kill_process", process=RUNAWAY)
    assert real.status is OK, real.output
    assert run_verify(lab, run, "verify_process", process=RUNAWAY).status is OK


def run_verify(lab: SystemdLab, run: Any, playbook: str, **params: Any) -> Execution:
    """Run a verify playbook (not a catalog action of its own) on the lab host."""
    executor = AnsibleExecutor(lab.directory / "verify-runs")
    return executor.run(
        action=playbook,
        playbook=CATALOG.playbook_path(f"{playbook}.yml"),
        host=HOST,
        host_vars=load_inventory(lab.inventory_path).get(HOST).vars,
        params=params,
        timeout=120,
    )

"""The catalog's playbooks, run with ansible-playbook against a real lab host.

One lab serves the whole module; each test first puts the web service in the state it
needs (running or crashed), so the tests do not depend on their order.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from remediate.lab import Lab

PLAYBOOKS = Path(__file__).resolve().parents[1] / "playbooks"
BIN = Path(sys.executable).parent


@dataclass
class Run:
    rc: int
    output: str

    def observation(self) -> str:
        """The ``msg`` of the final ``Report observation`` task: what remediate records."""
        section = self.output.split("TASK [Report observation]", 1)[1].split("PLAY RECAP", 1)[0]
        result = section.split("=>", 1)[1]
        msg = yaml.safe_load(result)["msg"]
        assert isinstance(msg, str)
        return msg


def run(lab: Lab, playbook: str, *, check: bool = False, **extravars: Any) -> Run:
    command = [
        str(BIN / "ansible-playbook"),
        "-i",
        str(lab.inventory_path),
        "-e",
        json.dumps({"target": lab.host, **extravars}),
        str(PLAYBOOKS / playbook),
    ]
    if check:
        command += ["--check", "--diff"]
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "yaml",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
    }
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    return Run(proc.returncode, proc.stdout + proc.stderr)


def run_together(lab: Lab, *runs: tuple[str, dict[str, Any]]) -> list[Run]:
    """Independent read-only runs at once: the suite stays fast."""
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        return list(pool.map(lambda item: run(lab, item[0], **item[1]), runs))


def supervisorctl(lab: Lab, *args: str) -> str:
    host = yaml.safe_load(lab.inventory_path.read_text())["all"]["hosts"][lab.host]
    command = [host["supervisorctl"], "-c", host["supervisor_config"], *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("lab")) as lab:
        yield lab


@pytest.fixture
def running(lab: Lab) -> Lab:
    """The web service up, brought back directly (not by the playbook under test)."""
    if not lab.is_healthy():
        supervisorctl(lab, "start", lab.service)
        deadline = time.monotonic() + 10
        while not lab.is_healthy():
            assert time.monotonic() < deadline, "lab did not come back"
            time.sleep(0.1)
    return lab


@pytest.fixture
def crashed(running: Lab) -> Lab:
    running.crash()
    return running


@pytest.fixture
def process(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A process with a name nothing else on this machine has: a renamed copy of sleep."""
    name = f"rmd{uuid.uuid4().hex[:10]}"
    sleeper = tmp_path / name
    shutil.copy(shutil.which("sleep") or "/bin/sleep", sleeper)
    proc = subprocess.Popen([str(sleeper), "300"])
    yield name, proc
    proc.kill()
    proc.wait()


# --------------------------------------------------------------------------- read-only


def test_observations_of_a_running_service(running: Lab) -> None:
    logs, status = run_together(
        running,
        ("collect_logs.yml", {"service": "webapp", "lines": 20}),
        # Read-only playbooks observe under --check too: every probe has check_mode: false.
        ("service_status.yml", {"service": "webapp", "check": True}),
    )
    assert logs.rc == 0, logs.output
    text = logs.observation()
    assert "--- stdout ---" in text and "--- stderr ---" in text
    assert '"GET /health HTTP/1.1" 200' in text
    assert "webapp pid" in text and "listening on" in text
    assert len(text) < 10_000

    assert status.rc == 0, status.output
    assert "state: RUNNING" in status.observation()
    assert f"GET {running.health_url} -> 200" in status.observation()


def test_observations_of_a_crashed_service(crashed: Lab) -> None:
    status, logs = run_together(
        crashed,
        ("service_status.yml", {"service": "webapp"}),
        ("collect_logs.yml", {"service": "webapp", "lines": 5}),
    )
    assert status.rc == 0, status.output  # a service down is an observation, not an error
    text = status.observation()
    assert "state: EXITED" in text
    assert "-> -1" in text and "Connection refused" in text

    assert logs.rc == 0, logs.output
    assert "listening on" in logs.observation()  # the logs outlive the process


def test_host_checks_report_an_observation(lab: Lab) -> None:
    expected = {
        "check_cpu.yml": ["load average 1/5/15 min:", "processes by %CPU", "PID"],
        "check_memory.yml": ["memory on lab-web-01", "available", "RSS", "OOM kills:"],
        "check_disk.yml": ["disk on lab-web-01", "/: ", "% used", "inodes"],
    }
    results = run_together(lab, *((playbook, {}) for playbook in expected))
    for (playbook, fragments), result in zip(expected.items(), results, strict=True):
        assert result.rc == 0, result.output
        text = result.observation()
        for fragment in fragments:
            assert fragment in text, (playbook, text)
        assert len(text) < 10_000


# --------------------------------------------------------------------------- restart_service


def test_while_down_the_dry_run_plans_and_verification_fails(crashed: Lab) -> None:
    dry, verify = run_together(
        crashed,
        ("restart_service.yml", {"service": "webapp", "check": True}),
        ("verify_service.yml", {"service": "webapp", "verify_retries": 0}),
    )
    assert dry.rc == 0, dry.output
    plan = "would restart webapp on lab-web-01 via supervisord (current state: EXITED)"
    assert plan in dry.output
    assert verify.rc != 0
    assert "TASK [Check: service is running (supervisord)]" in verify.output
    assert "webapp on lab-web-01 is EXITED, expected RUNNING" in verify.output
    # The dry run restarted nothing.
    assert not crashed.is_healthy()
    assert crashed.state() == "EXITED"


def test_restart_brings_the_service_back_and_verify_passes(crashed: Lab) -> None:
    result = run(crashed, "restart_service.yml", service="webapp")
    assert result.rc == 0, result.output
    assert (
        "restarting webapp on lab-web-01 via supervisord (current state: EXITED)" in result.output
    )
    assert crashed.is_healthy()
    assert crashed.state() == "RUNNING"

    verified = run(crashed, "verify_service.yml", service="webapp")
    assert verified.rc == 0, verified.output
    assert "TASK [Check: health URL answers 200]" in verified.output
    assert f"GET {crashed.health_url} answered 200" in verified.output


def test_verify_service_fails_when_health_url_fails(running: Lab) -> None:
    broken = {running.service: running.health_url.replace("/health", "/nope")}
    result = run(
        running, "verify_service.yml", service="webapp", health_urls=broken, verify_retries=0
    )
    assert result.rc != 0
    assert "answered 404, expected 200" in result.output


# --------------------------------------------------------------------------- refusals


def test_write_playbooks_refuse_what_is_not_allowed(running: Lab, tmp_path: Path) -> None:
    """Defence in depth: each write playbook refuses on its own, before touching anything."""
    nothing = f"rmd{uuid.uuid4().hex[:10]}"
    refusals = {
        "refusing to restart nginx on lab-web-01: not in this host's services": (
            "restart_service.yml",
            {"service": "nginx"},
        ),
        "supervisord does not manage ghost on lab-web-01": (
            "restart_service.yml",
            {"service": "ghost", "services": ["webapp", "ghost"], "check": True},
        ),
        "refusing to signal sshd on lab-web-01: it is a protected process": (
            "kill_process.yml",
            {"process": "sshd", "killable": ["sshd"]},
        ),
        "refusing to signal bash on lab-web-01: it is not listed under this host's killable": (
            "kill_process.yml",
            {"process": "bash"},
        ),
        f"no process named {nothing} is running on lab-web-01": (
            "kill_process.yml",
            {"process": nothing, "killable": [nothing]},
        ),
        f"refusing to clean {tmp_path} on lab-web-01": (
            "free_disk_space.yml",
            {"path": str(tmp_path)},
        ),
    }
    results = run_together(running, *refusals.values())
    for message, result in zip(refusals, results, strict=True):
        assert result.rc != 0, message
        assert message in result.output, result.output
        assert "changed: [" not in result.output
        assert "TASK [Plan]" not in result.output
    assert running.is_healthy()


# --------------------------------------------------------------------------- kill_process


def test_kill_process_dry_run_then_kill_then_verify(
    lab: Lab, process: tuple[str, subprocess.Popen[bytes]]
) -> None:
    name, proc = process
    dry, refused = run_together(
        lab,
        ("kill_process.yml", {"process": name, "check": True, "killable": [name]}),
        ("verify_process.yml", {"process": name, "verify_retries": 0}),
    )
    assert dry.rc == 0, dry.output
    assert (
        f"would send SIGTERM to 1 process(es) named {name} on lab-web-01: {proc.pid}" in dry.output
    )
    assert proc.poll() is None  # the dry run signalled nothing
    assert refused.rc != 0
    assert f"1 process(es) named {name} still running" in refused.output

    killed = run(lab, "kill_process.yml", process=name, killable=[name])
    assert killed.rc == 0, killed.output
    assert proc.wait(timeout=10) == -15  # SIGTERM
    assert f"pids: '{proc.pid}'" in killed.output or f'pids: "{proc.pid}"' in killed.output

    verified = run(lab, "verify_process.yml", process=name, pids=str(proc.pid))
    assert verified.rc == 0, verified.output
    assert f"signalled process(es) {proc.pid} exited on lab-web-01" in verified.output
    verified = run(lab, "verify_process.yml", process=name)
    assert verified.rc == 0 and f"no process named {name} on lab-web-01" in verified.output


def test_kill_process_matches_the_executable_never_a_display_string(
    lab: Lab, tmp_path: Path
) -> None:
    """A PostgreSQL backend writes `postgres: 15/main: checkpointer` over its arguments; ps
    shows that string, but the process is named by its executable. Here a copy of sleep
    shows the same display string: it matches neither `postgres:` nor anything but its own
    executable's name, reached through a link with another name (comm) as well."""
    name = f"rmd{uuid.uuid4().hex[:10]}"
    binary = tmp_path / name
    shutil.copy(shutil.which("sleep") or "/bin/sleep", binary)
    link = tmp_path / "worker-link"
    link.symlink_to(binary)
    proc = subprocess.Popen(["postgres: 15/main: checkpointer", "300"], executable=str(link))
    try:
        display = run(lab, "kill_process.yml", process="postgres:", killable=["postgres:"])
        assert display.rc != 0 and "no process named postgres: is running" in display.output
        assert proc.poll() is None
        dry = run(lab, "kill_process.yml", process=name, killable=[name], check=True)
        assert dry.rc == 0, dry.output
        assert f"{proc.pid}: {binary}" in dry.output, "matched by its executable"
    finally:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------- disk


def test_free_disk_space_dry_run_lists_only_old_rotated_files(lab: Lab) -> None:
    """/tmp is allowlisted: a dry run there is safe and shows what would go."""
    stem = Path("/tmp") / f"rmd-test-{uuid.uuid4().hex[:8]}"
    old = [Path(f"{stem}.log.1"), Path(f"{stem}.log.gz")]
    kept = [Path(f"{stem}-live.log"), Path(f"{stem}-new.gz")]
    month_ago = time.time() - 30 * 86400
    try:
        for file in old + kept:
            file.write_bytes(b"x" * 4096)
        for file in [*old, kept[0]]:
            os.utime(file, (month_ago, month_ago))
        result = run(lab, "free_disk_space.yml", check=True, path="/tmp", older_than_days=7)
        assert result.rc == 0, result.output
        for file in old:
            assert f"path: {file}" in result.output  # the diff of each file that would go
            assert file.exists()
        for file in kept:
            assert str(file) not in result.output
        assert "would free" in result.output
    finally:
        for file in old + kept:
            file.unlink(missing_ok=True)


def test_verify_disk_passes_below_and_fails_above_the_threshold(lab: Lab, tmp_path: Path) -> None:
    ok, full = run_together(
        lab,
        ("verify_disk.yml", {"path": str(tmp_path), "disk_threshold_percent": 100}),
        ("verify_disk.yml", {"path": "/", "disk_threshold_percent": 1}),
    )
    assert ok.rc == 0, ok.output
    assert "TASK [Check: space use below threshold]" in ok.output
    assert "TASK [Check: inode use below threshold]" in ok.output
    assert full.rc != 0
    assert "% full, threshold 1%" in full.output

"""Real `remediate` processes against the supervisord lab, for the safety tests.

A configuration file per test (its own state directory, a copy of one full-text index built
once), helpers to start processes that pause or die at a fail point
(:mod:`remediate.failpoint`), and the lab's own count of service starts: the service logs a
line each time it starts, so the number of restarts a test caused is read from the host,
not from our records.
"""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from command import BIN, remediate
from remediate.config import PROJECT_ROOT
from remediate.lab import Lab

ARTICLE = {"error_msg": "502 Bad Gateway - Connection Refused"}


def write_config(lab: Lab, directory: Path, index: Path | None, **approval: Any) -> Path:
    state = directory / "state"
    state.mkdir(parents=True, exist_ok=True)
    if index is not None:
        shutil.copytree(index, state / "lancedb")
    config = directory / "remediate.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "inventory": str(lab.inventory_path),
                "state_dir": str(state),
                "gather": ["service_status", "collect_logs"],
                "embeddings": {"provider": "none"},
                "approval": {
                    "users": ["alice", "bob", "carol"],
                    "identities": {getpass.getuser(): "alice"},
                    **approval,
                },
            }
        )
    )
    return config


def cli(config: Path, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return remediate("--config", str(config), *args, **kw)


def start(
    config: Path, *args: str, failpoints: str = "", directory: Path | None = None
) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "REMEDIATE_FAILPOINTS": failpoints,
        "REMEDIATE_FAILPOINT_DIR": str(directory or config.parent),
    }
    return subprocess.Popen(
        [str(BIN / "remediate"), "--config", str(config), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    )


def wait_for(path: Path, proc: subprocess.Popen[str] | None = None, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process ended before {path.name}: {proc.stderr.read()[-2000:]}")
        assert time.monotonic() < deadline, f"{path.name} not reached"
        time.sleep(0.05)


def starts(lab: Lab) -> int:
    """How many times the lab's service has started (it logs one line per start)."""
    log = lab.directory / f"{lab.service}.out.log"
    return log.read_text().count(" listening on ") if log.exists() else 0


def build_index(lab: Lab, directory: Path) -> Path:
    config = write_config(lab, directory, None)
    proc = cli(config, "kb", "ingest")
    assert proc.returncode == 0, proc.stderr
    return directory / "state" / "lancedb"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with Lab(tmp_path_factory.mktemp("lab")) as running:
        yield running


@pytest.fixture(scope="module")
def index(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_index(lab, tmp_path_factory.mktemp("index"))


@pytest.fixture
def crashed(lab: Lab) -> Any:
    """The lab's service down (killed), brought back after the test."""
    lab.recover()
    lab.crash()
    yield lab
    lab.recover()

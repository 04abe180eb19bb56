"""A `remediate serve` process on a loopback port, for the server's tests."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from command import BIN
from receivers import free_port
from remediate.config import PROJECT_ROOT

DATASET = PROJECT_ROOT.parent / "shared" / "datasets" / "alertmanager"
if not DATASET.is_dir():
    DATASET = Path("/work/shared/datasets/alertmanager")
TOKENS = {"alertmanager-token": "alertmanager", "alice-token": "alice", "bob-token": "bob"}


class Server:
    def __init__(
        self, directory: Path, settings: dict[str, Any] | None = None, **server: Any
    ) -> None:
        self.directory = directory
        self.config = directory / "remediate.yaml"
        self.database = directory / "state" / "remediate.sqlite"
        self.port = free_port()
        self.config.write_text(
            yaml.safe_dump(
                {
                    "state_dir": str(directory / "state"),
                    "embeddings": {"provider": "none"},
                    "gather": ["service_status"],
                    "server": {
                        "max_body": 200_000,
                        "host_cooldown": 0,
                        "retry_backoff": 0.2,
                        "tokens": {
                            hashlib.sha256(t.encode()).hexdigest(): n for t, n in TOKENS.items()
                        },
                        **server,
                    },
                    **(settings or {}),
                }
            )
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, workers: int, failpoints: str = "", *, ready: bool = True) -> None:
        env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "REMEDIATE_FAILPOINTS": failpoints,
            "REMEDIATE_FAILPOINT_DIR": str(self.directory),
        }
        log = (self.directory / "server.log").open("ab")
        self.proc = subprocess.Popen(
            [
                *(str(BIN / "remediate"), "serve", "--config", str(self.config)),
                *("--port", str(self.port), "--workers", str(workers)),
            ],
            stdout=log,
            stderr=log,
            env=env,
            cwd=PROJECT_ROOT,
        )
        log.close()
        if not ready:
            return
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.directory / "server.log").read_text()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def wait_exit(self, timeout: float = 120) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def client(self, token: str | None = "alertmanager-token") -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def queue(self) -> list[tuple[int, str, int | None, str | None]]:
        with sqlite3.connect(self.database) as db:
            return db.execute(
                "SELECT id, status, duplicate_of, result FROM alert_queue ORDER BY id"
            ).fetchall()

    def wait_drained(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while any(status in ("queued", "taken") for _, status, _, _ in self.queue()):
            assert time.monotonic() < deadline, self.queue()
            assert self.proc is not None and self.proc.poll() is None
            time.sleep(0.3)

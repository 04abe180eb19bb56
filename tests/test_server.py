"""`remediate serve` as a real process on a loopback port, spoken to over real HTTP.

The payloads are Alertmanager's own (../shared/datasets/alertmanager); the crash test kills
the server with SIGKILL, from outside while bodies wait in the queue and at the fail point
right after a worker took one, and checks on restart that every accepted body ended as an
investigation (incidents or recorded duplicates) exactly once.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from command import BIN
from remediate.config import PROJECT_ROOT

DATASET = PROJECT_ROOT.parent / "shared" / "datasets" / "alertmanager"
if not DATASET.is_dir():
    DATASET = Path("/work/shared/datasets/alertmanager")
TOKENS = {"alertmanager-token": "alertmanager", "alice-token": "alice"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.config = directory / "remediate.yaml"
        self.database = directory / "state" / "remediate.sqlite"
        self.port = _free_port()
        self.config.write_text(
            yaml.safe_dump(
                {
                    "state_dir": str(directory / "state"),
                    "embeddings": {"provider": "none"},
                    "gather": ["service_status"],
                    "server": {
                        "max_body": 200_000,
                        "host_cooldown": 0,
                        "tokens": {
                            hashlib.sha256(t.encode()).hexdigest(): n for t, n in TOKENS.items()
                        },
                    },
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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path)
    yield srv
    srv.stop()


def _post(client: httpx.Client, body: bytes) -> httpx.Response:
    return client.post("/api/v1/alerts", content=body)


def test_alertmanager_payloads_are_queued_and_investigated_once(server: Server) -> None:
    server.start(workers=1)
    answers: dict[str, Any] = {}
    with server.client() as client:
        for path in sorted(DATASET.glob("*.json")):
            answers[path.name] = _post(client, path.read_bytes())
        again = _post(client, (DATASET / "prom2teams__all_ok.json").read_bytes())
    codes = {name: r.status_code for name, r in answers.items()}
    assert all(code < 500 for code in codes.values()), codes
    # Missing mandatory fields (the dataset's own malformed example): a clear 4xx, not stored.
    bad = answers["prom2teams__without_mandatory_field.json"]
    assert bad.status_code == 422 and "AlertFormatError" in bad.json()["error"]
    assert codes["prom2teams__all_ok.json"] == 202
    # A re-delivery is recorded as a duplicate of the first body, never investigated again.
    first = answers["prom2teams__all_ok.json"].json()["id"]
    assert again.status_code == 200 and again.json()["duplicate_of"] == first
    accepted = sum(1 for code in codes.values() if code in (200, 202)) + 1
    server.wait_drained()
    rows = server.queue()
    assert len(rows) == accepted
    for _, status, duplicate_of, result in rows:
        if duplicate_of is None:
            assert status == "done" and result is not None
            outcomes = json.loads(result)
            assert outcomes and all(o["incident"].startswith("RMD-") for o in outcomes)
        else:
            assert status == "duplicate" and result is None
    with server.client("alice-token") as client:
        incidents = client.get("/api/v1/incidents").json()
        assert incidents
        shown = client.get(f"/api/v1/incidents/{incidents[0]['id']}")
        assert shown.status_code == 200 and shown.json()["timeline"]
        assert client.get("/api/v1/incidents/RMD-20260101-nosuchincident").status_code == 404
        assert client.get("/api/v1/incidents?limit=zero").status_code == 400


def test_refusals_are_4xx_with_a_message(server: Server) -> None:
    server.start(workers=0)
    body = (DATASET / "prom2teams__all_ok.json").read_bytes()
    with server.client(None) as anonymous:
        assert _post(anonymous, body).status_code == 401
        assert anonymous.get("/api/v1/incidents").status_code == 401
    with server.client("not-a-token") as wrong:
        assert _post(wrong, body).status_code == 401
        assert wrong.post("/api/v1/inquiries/x/respond", json={"approved": True}).status_code == 401
    with server.client() as client:
        cases = {
            "not json": b"{not json",
            "not utf-8": b'{"server_id": "\xff"}',
            "wrong shape": b"[1, 2]",
            "too deep": b"[" * 100 + b"]" * 100,
        }
        for case, payload in cases.items():
            answer = _post(client, payload)
            assert answer.status_code == 422, case
            assert answer.json()["error"].startswith("AlertFormatError"), case
        assert _post(client, b" " * 300_000 + body).status_code == 413
        assert client.post("/api/v1/inquiries/x/respond", content=b"[]").status_code == 400
        missing = client.post("/api/v1/inquiries/nosuch/respond", json={"approved": True})
        assert missing.status_code == 404
    assert server.queue() == []  # nothing refused was stored


def test_kill_9_loses_and_repeats_nothing(server: Server) -> None:
    hosts = [f"web-{n}.example.com" for n in range(4)]
    bodies = [
        json.dumps(
            {"server_id": host, "error_msg": "502 Bad Gateway", "timestamp": "2026-11-30T10:00:00Z"}
        ).encode()
        for host in hosts
    ]
    server.start(workers=0)  # accept only: everything waits in the queue
    with server.client() as client:
        ids = [_post(client, body).json()["id"] for body in bodies]
        assert _post(client, bodies[0]).json()["duplicate_of"] == ids[0]
    server.kill()
    # A worker takes the first body and the process dies right there.
    server.start(workers=1, failpoints="serve.taken=kill", ready=False)
    assert server.wait_exit() == -signal.SIGKILL
    assert [status for _, status, _, _ in server.queue()][:2] == ["taken", "queued"]
    server.start(workers=2)
    server.wait_drained()
    rows = server.queue()
    assert [status for _, status, _, _ in rows] == ["done"] * 4 + ["duplicate"]
    incidents_per_body = [json.loads(result) for _, _, _, result in rows[:4] if result]
    assert [len(o) for o in incidents_per_body] == [1, 1, 1, 1]
    with sqlite3.connect(server.database) as db:
        names = db.execute("SELECT host, count(*) FROM incidents GROUP BY fingerprint").fetchall()
    assert len(names) == 4 and all(count == 1 for _, count in names)

"""`remediate serve` as a real process on a loopback port, spoken to over real HTTP.

The payloads are Alertmanager's own (../shared/datasets/alertmanager); the crash test kills
the server with SIGKILL, from outside while bodies wait in the queue and at the fail point
right after a worker took one, and checks on restart that every accepted body ended as an
investigation (incidents or recorded duplicates) exactly once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from command import BIN
from server_process import DATASET, Server


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


def _plain(n: int, status: str = "firing") -> bytes:
    """A distinct alert for a host outside the inventory: investigated quickly (escalated)."""
    alert = {"server_id": f"burst-{n}.example.net", "error_msg": "502 Bad Gateway"}
    return json.dumps({**alert, "timestamp": "2026-11-30T10:00:00Z", "status": status}).encode()


def _burst(server: Server, bodies: list[bytes], clients: int = 8) -> list[httpx.Response | None]:
    """Post every body with ``clients`` concurrent connections; None where no answer came."""
    answers: list[httpx.Response | None] = [None] * len(bodies)
    pending = iter(range(len(bodies)))
    lock = threading.Lock()

    def client_loop() -> None:
        with server.client() as client:
            while True:
                with lock:
                    n = next(pending, None)
                if n is None:
                    return
                try:
                    answers[n] = _post(client, bodies[n])
                except httpx.TransportError:
                    answers[n] = None

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _metric(text: str, name: str) -> float:
    values = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name) and not line.startswith("#")
    ]
    assert values, name
    return sum(values)


def test_a_thousand_alerts_replayed_twice_are_stored_once(server: Server) -> None:
    server.start(workers=0)
    bodies = [_plain(n) for n in range(1000)]
    first = _burst(server, bodies)
    assert all(a is not None and a.status_code == 202 for a in first)
    again = _burst(server, bodies)
    assert all(a is not None and a.status_code == 200 for a in again)
    ids = {a.json()["id"] for a in first if a is not None}
    assert {a.json()["duplicate_of"] for a in again if a is not None} == ids
    rows = server.queue()
    assert len(rows) == 2000
    assert sum(1 for _, status, _, _ in rows if status == "duplicate") == 1000
    metrics = httpx.get(f"{server.url}/metrics").text
    assert _metric(metrics, "remediate_alerts_received_total") == 2000
    assert _metric(metrics, "remediate_alerts_deduplicated_total") == 1000
    assert 'remediate_queue_depth{status="queued"} 1000.0' in metrics


def test_ten_megabytes_are_refused_unless_allowed(tmp_path: Path) -> None:
    big = json.dumps(
        {
            "receiver": "remediate",
            "status": "firing",
            "groupKey": '{}:{alertname="Big"}',
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": "Big", "instance": f"big-{n}.example.net:9100"},
                    "annotations": {"description": "x" * 2000},
                    "startsAt": "2026-11-30T10:00:00Z",
                }
                for n in range(5000)
            ],
        }
    ).encode()
    assert len(big) > 10_000_000
    (tmp_path / "strict").mkdir()
    strict = Server(tmp_path / "strict", max_body=5_000_000)
    strict.start(workers=0)
    try:
        with strict.client() as client:
            refused = _post(client, big)
            assert refused.status_code == 413 and "exceeds" in refused.json()["error"]
            # A body larger than it says (no Content-Length: chunked) is refused the same way.
            chunked = client.post(
                "/api/v1/alerts", content=iter([big[:6_000_000], big[6_000_000:]])
            )
            assert chunked.status_code == 413
            assert httpx.get(f"{strict.url}/healthz").status_code == 200
    finally:
        strict.stop()
    assert strict.queue() == []
    (tmp_path / "allowed").mkdir()
    allowed = Server(tmp_path / "allowed", max_body=20_000_000)
    allowed.start(workers=0)
    try:
        with allowed.client() as client:
            accepted = _post(client, big)
        assert accepted.status_code == 202 and accepted.json()["alerts"] == 5000
    finally:
        allowed.stop()
    [(_, status, _, _)] = allowed.queue()
    assert status == "queued"


def test_kill_9_during_a_burst_accounts_for_every_accepted_alert(server: Server) -> None:
    server.start(workers=2)
    bodies = [_plain(n) for n in range(300)]
    answers: list[httpx.Response | None] = []
    burst = threading.Thread(target=lambda: answers.extend(_burst(server, bodies, clients=6)))
    burst.start()
    deadline = time.monotonic() + 60
    while len(server.queue()) < 100:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    server.kill()
    burst.join()
    accepted = {
        json.loads(bodies[n])["server_id"]: a.json()["id"]
        for n, a in enumerate(answers)
        if a is not None and a.status_code in (200, 202)
    }
    # The kill really came in the middle. (At least 100 alerts were queued when it came, but an
    # alert committed an instant before the kill may have lost its answer, as a client sees a
    # dropped connection and retries; so the answered ones may be fewer than the queued.)
    assert 0 < len(accepted) < 300
    server.start(workers=2)
    server.wait_drained(timeout=180)
    with sqlite3.connect(server.database) as db:
        rows = dict(db.execute("SELECT id, status FROM alert_queue").fetchall())
        became = db.execute(
            "SELECT queue_id, incident_id, duplicate FROM alert_queue_incidents"
        ).fetchall()
        per_alert = dict(
            db.execute("SELECT fingerprint, count(*) FROM incidents GROUP BY fingerprint")
        )
    for host, queue_id in accepted.items():
        assert rows[queue_id] == "done", (host, rows[queue_id])
        new = [i for q, i, dup in became if q == queue_id and not dup]
        assert len(new) == 1, (host, queue_id, became)
    # Exactly once: one incident per alert, whether its body was retaken after the kill or not.
    assert all(count == 1 for count in per_alert.values()), per_alert
    assert len(per_alert) == len({q for q, _, _ in became}) >= len(accepted)


def test_signature_truncated_alerts_and_operations(tmp_path: Path) -> None:
    secret = tmp_path / "hmac.secret"
    secret.write_text("s3cr3t-shared\n")
    secret.chmod(0o600)
    srv = Server(tmp_path, signature_secret_file=str(secret))
    srv.start(workers=1)
    payload = json.loads((DATASET / "prom2teams__all_ok.json").read_bytes())
    payload["truncatedAlerts"] = 7
    body = json.dumps(payload).encode()
    good = "sha256=" + hmac.new(b"s3cr3t-shared", body, hashlib.sha256).hexdigest()
    try:
        with srv.client() as client:
            assert _post(client, body).status_code == 401  # unsigned
            wrong = client.post(
                "/api/v1/alerts", content=body, headers={"X-Remediate-Signature": "sha256=00"}
            )
            assert wrong.status_code == 401 and "signature" in wrong.json()["error"].lower()
            signed = client.post(
                "/api/v1/alerts", content=body, headers={"X-Remediate-Signature": good}
            )
            assert signed.status_code == 202 and signed.json()["truncated"] == 7
        srv.wait_drained()
        with srv.client("alice-token") as client:
            [storm] = [
                i
                for i in client.get("/api/v1/incidents").json()
                if "truncatedAlerts" in (i.get("escalation_reason") or "")
            ]
            shown = client.get(f"/api/v1/incidents/{storm['id']}").json()
            assert shown["truncated_alerts"] == 7
            assert shown["deliveries"][0]["truncated_alerts"] == 7
        health = httpx.get(f"{srv.url}/healthz").json()
        assert health == {"status": "ok", "workers": 1, "queued": 0}
        metrics = httpx.get(f"{srv.url}/metrics").text
        assert _metric(metrics, 'remediate_alerts_rejected_total{reason="bad_signature"}') == 2
        assert _metric(metrics, 'remediate_incidents{status="escalated"}') >= 1
    finally:
        srv.stop()
    log = (tmp_path / "server.log").read_text()
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(r["message"] == "alert body investigated" for r in records)
    assert "s3cr3t" not in log and "alertmanager-token" not in log


def _pending_inquiry(database: Path, approvers: list[str]) -> str:
    """An incident awaiting approval, written through the real store before the server starts."""
    from remediate.inquiry import open_inquiry
    from remediate.intake import normalize
    from remediate.models import Incident, IncidentStatus
    from remediate.store import Store

    store = Store(database)
    [alert] = normalize({"server_id": "web-1.example.net", "error_msg": "502 Bad Gateway"})
    store.open_incident(Incident(id="RMD-1", alert=alert, host="web-1"), "alert received")
    for status in ("investigating", "proposed", "awaiting_approval"):
        store.transition("RMD-1", IncidentStatus(status), status)
    asked = open_inquiry(
        incident_id="RMD-1",
        proposal_hash="h",
        users=approvers,
        roles=[],
        route="remediate",
        ttl=60,
        dry_run="--- a\n+++ b",
    )
    with store.atomic() as tx:
        tx.insert_inquiry(asked)
    store.close()
    return asked.id


def test_answers_follow_the_approval_policy_and_name_the_token_user(tmp_path: Path) -> None:
    srv = Server(tmp_path, settings={"approval": {"users": ["alice"]}})
    inquiry = _pending_inquiry(srv.database, ["alice"])
    srv.start(workers=0)
    try:
        path = f"/api/v1/inquiries/{inquiry}/respond"
        with srv.client(None) as anonymous:
            assert anonymous.post(path, json={"approved": False}).status_code == 401
            assert anonymous.get("/api/v1/inquiries").status_code == 401
        with srv.client("bob-token") as bob:
            refused = bob.post(path, json={"approved": False})
            assert refused.status_code == 403 and "bob" in refused.json()["error"]
        with srv.client("alice-token") as alice:
            [listed] = alice.get("/api/v1/inquiries?status=pending").json()
            assert listed["id"] == inquiry
            assert alice.get("/api/v1/inquiries?status=nonsense").status_code == 400
            answer = alice.post(path, json={"approved": False, "comment": "not now"})
            assert answer.status_code == 200, answer.text
            assert answer.json()["incident"]["status"] == "rejected"
            again = alice.post(path, json={"approved": True})
            assert again.status_code == 409
            shown = alice.get("/api/v1/incidents/RMD-1").json()
            assert any("rejected by alice (api) — not now" in e["step"] for e in shown["timeline"])
        metrics = httpx.get(f"{srv.url}/metrics").text
        assert 'remediate_approval_latency_seconds_count{decision="rejected"} 1.0' in metrics
        assert 'remediate_incidents{status="rejected"} 1.0' in metrics
    finally:
        srv.stop()
    # The CLI reads the same state.
    cli = subprocess.run(
        [str(BIN / "remediate"), "--config", str(srv.config), "incident", "show", "RMD-1"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
    )
    assert cli.returncode == 0 and "rejected" in cli.stdout, cli.stderr

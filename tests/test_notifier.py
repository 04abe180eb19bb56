"""The sender end to end, on real receivers, real SQLite and real processes.

Incidents are moved through the real store (the same transition the engine uses), which
writes the outbox rows; then the sender — in this process, in ``remediate notify --flush``,
and in the thread of ``remediate serve`` — delivers them to aiosmtpd and to an HTTP receiver.
The crash tests kill the sending process with SIGKILL (a fail point, and from outside) and
check after a restart that every message was recorded sent exactly once and delivered at
least once, with at most the one in flight at the kill delivered twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from command import BIN, remediate
from receivers import MailServer, WebhookReceiver, free_port
from remediate import outbox
from remediate.config import PROJECT_ROOT, Settings, load_settings
from remediate.intake import normalize
from remediate.models import Incident, IncidentStatus
from remediate.notifier import Notifier, NotifierThread
from remediate.outbox import OutboxStatus
from remediate.pipeline import Engine

S = IncidentStatus
PUBLIC = "https://remediate.example.com/"
SECRET_PATH = "/hooks/T0000/B0000/s3cr3t-webhook-token"
MESSAGE = "502 Bad Gateway - Connection Refused"
NAME = normalize({"server_id": "srv-prod-04", "error_msg": MESSAGE})[0].name


@pytest.fixture(autouse=True)
def venv_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The catalog is checked against ansible-playbook when the engine renders a draft."""
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")


def write_config(
    tmp_path: Path, *, mail: MailServer | None, hook: WebhookReceiver | None, **extra: Any
) -> Path:
    notifications: dict[str, Any] = {"backoff": 0.2, "max_backoff": 1.0, "timeout": 3, **extra}
    if mail is not None:
        notifications["smtp"] = {
            "host": "127.0.0.1",
            "port": mail.port,
            "security": "none",
            "to": ["oncall@example.com"],
        }
    if hook is not None:
        secret = tmp_path / "webhook-url"
        secret.write_text(hook.url(SECRET_PATH))
        notifications["webhooks"] = [{"name": "chat", "url_file": str(secret)}]
    config = tmp_path / "remediate.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "state_dir": str(tmp_path / "state"),
                "embeddings": {"provider": "none"},
                "server": {"public_url": PUBLIC},
                "notifications": notifications,
            }
        )
    )
    return config


def settings_of(config: Path) -> Settings:
    return load_settings(config, env={})


def awaiting_approval(engine: Engine, id_: str, host: str = "srv-prod-04") -> None:
    [alert] = normalize({"server_id": host, "error_msg": MESSAGE})
    engine.store.open_incident(Incident(id=id_, alert=alert, host=host), "alert received")
    for new in (S.INVESTIGATING, S.PROPOSED, S.AWAITING_APPROVAL):
        engine.store.transition(id_, new, str(new))


def test_an_approval_request_reaches_mail_and_chat_with_the_deep_link(tmp_path, caplog):
    with MailServer() as mail, WebhookReceiver() as hook:
        engine = Engine(settings_of(write_config(tmp_path, mail=mail, hook=hook)))
        awaiting_approval(engine, "RMD-7")
        with caplog.at_level(logging.INFO, logger="remediate.notify"):
            report = Notifier(engine).flush()
        engine.store.transition("RMD-7", S.REJECTED, "rejected by alice")
        again = Notifier(engine).flush()
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    assert again.sent == 2
    link = "https://remediate.example.com/incidents/RMD-7"
    first, second = mail.messages
    assert first["Subject"] == (f"[remediate] Approval requested: {NAME} on srv-prod-04 (RMD-7)"), (
        first["Subject"]
    )
    body = first.get_content()
    assert link in body and MESSAGE in body, body
    assert "Timeline (UTC)" in body, "the rendered draft is the body"
    assert second["Subject"].startswith("[remediate] Rejected, nothing was run: ")
    assert first["Message-ID"] != second["Message-ID"]
    proposal, rejected = (d.body for d in hook.deliveries)
    assert proposal["text"] == f"Approval requested: {NAME} on srv-prod-04 (RMD-7)\n{link}"
    assert (proposal["event"], proposal["url"], proposal["incident_id"]) == (
        "proposal",
        link,
        "RMD-7",
    )
    assert (rejected["event"], rejected["status"]) == ("rejected", "rejected")
    rows = outbox.rows(engine.store)
    assert [(r.event, r.channel, r.status, r.attempts) for r in rows] == [
        ("proposal", "email", OutboxStatus.SENT, 1),
        ("proposal", "webhook:chat", OutboxStatus.SENT, 1),
        ("rejected", "email", OutboxStatus.SENT, 1),
        ("rejected", "webhook:chat", OutboxStatus.SENT, 1),
    ]
    stored = json.dumps([r.__dict__ for r in rows], default=str) + caplog.text
    assert "s3cr3t" not in stored and str(hook.port) not in stored
    assert "RMD-7 proposal via webhook:chat (attempt 1): sent" in caplog.text
    assert Notifier(engine).flush().sent == 0, "nothing is sent twice"


def test_a_failing_receiver_is_retried_with_backoff_and_gets_one_message(tmp_path):
    with MailServer(fail_first=2) as mail, WebhookReceiver(fail_first=3) as hook:
        settings = settings_of(write_config(tmp_path, mail=mail, hook=hook))
        engine = Engine(settings)
        awaiting_approval(engine, "RMD-8")
        sender = NotifierThread(settings, poll=0.1)
        started = time.monotonic()
        sender.start()
        try:
            while {r.status for r in outbox.rows(engine.store)} != {OutboxStatus.SENT}:
                assert time.monotonic() - started < 30, outbox.rows(engine.store)
                time.sleep(0.05)
        finally:
            sender.stop()
    elapsed = time.monotonic() - started
    mail_row, hook_row = outbox.rows(engine.store)
    assert (mail_row.attempts, hook_row.attempts) == (3, 4)
    assert len(mail.messages) == 1 and mail.attempts == 3
    assert [d.status for d in hook.deliveries] == [503, 503, 503, 200]
    assert {d.headers["Idempotency-Key"] for d in hook.deliveries} == {
        "RMD-8.proposal.webhook-chat"
    }
    assert len({json.dumps(d.body) for d in hook.deliveries}) == 1, "each retry sends the same"
    # Backoff 0.2 s, doubling, at most 1 s: 0.2 + 0.4 + 0.8 before the fourth attempt.
    assert elapsed >= 1.4, elapsed
    assert hook_row.last_error is None and mail_row.sent_at is not None


def test_gives_up_after_max_attempts_and_at_once_on_a_permanent_refusal(tmp_path):
    with MailServer(refuse=True) as mail, WebhookReceiver(fail_first=100) as hook:
        config = write_config(tmp_path, mail=mail, hook=hook, max_attempts=2, backoff=0.05)
        engine = Engine(settings_of(config))
        awaiting_approval(engine, "RMD-9")
        notifier = Notifier(engine)
        first = notifier.flush()
        time.sleep(0.2)
        second = notifier.flush()
    assert (first.failed, first.retrying, second.failed) == (1, 1, 1)
    mail_row, hook_row = outbox.rows(engine.store)
    assert (mail_row.status, mail_row.attempts) == (OutboxStatus.FAILED, 1)
    assert mail_row.last_error is not None and "550" in mail_row.last_error
    assert (hook_row.status, hook_row.attempts) == (OutboxStatus.FAILED, 2)
    assert hook_row.last_error == "webhook chat: HTTP 503"
    assert len(hook.deliveries) == 2
    proc = remediate("notify", "--json", env={"REMEDIATE_CONFIG": str(config)})
    listed = json.loads(proc.stdout)
    assert [(r["channel"], r["status"], r["attempts"]) for r in listed] == [
        ("email", "failed", 1),
        ("webhook:chat", "failed", 2),
    ]


def _flush(config: Path, failpoints: str = "", **kwargs: Any) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "REMEDIATE_CONFIG": str(config),
        "REMEDIATE_FAILPOINTS": failpoints,
        "REMEDIATE_FAILPOINT_DIR": str(config.parent),
    }
    return subprocess.Popen(
        [str(BIN / "remediate"), "notify", "--flush", "--json"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_kill_9_between_send_and_record_loses_nothing_and_repeats_one(tmp_path):
    with WebhookReceiver() as hook:
        config = write_config(tmp_path, mail=None, hook=hook)
        engine = Engine(settings_of(config))
        for n in range(5):
            awaiting_approval(engine, f"RMD-{n}", host=f"srv-prod-1{n}")
        killed = _flush(config, "notify.sent=kill")
        out, err = killed.communicate(timeout=60)
        assert killed.returncode == -signal.SIGKILL, err
        assert len(hook.accepted()) == 1, "it died right after the receiver took the first"
        [taken] = [r for r in outbox.rows(engine.store) if r.status is OutboxStatus.SENDING]
        restarted = _flush(config)
        out, err = restarted.communicate(timeout=60)
        assert restarted.returncode == 0, err
    report = json.loads(out)
    assert report["sent"] == 5 and report["outbox"]["sent"] == 5, report
    keys = Counter(d.headers["Idempotency-Key"] for d in hook.accepted())
    assert set(keys) == {f"RMD-{n}.proposal.webhook-chat" for n in range(5)}, "none lost"
    assert sorted(keys.values()) == [1, 1, 1, 1, 2], "one duplicate: the one in flight"
    assert keys[taken.key] == 2
    by_id = {r.id: r for r in outbox.rows(engine.store)}
    assert by_id[taken.id].attempts == 2 and by_id[taken.id].status is OutboxStatus.SENT


def test_kill_9_from_outside_before_the_send_loses_nothing_and_repeats_nothing(tmp_path):
    with MailServer() as mail:
        config = write_config(tmp_path, mail=mail, hook=None)
        engine = Engine(settings_of(config))
        for n in range(3):
            awaiting_approval(engine, f"RMD-{n}", host=f"srv-prod-1{n}")
        paused = _flush(config, "notify.sending=pause")
        reached = tmp_path / "notify.sending.reached"
        deadline = time.monotonic() + 60
        while not reached.exists():
            assert time.monotonic() < deadline and paused.poll() is None
            time.sleep(0.02)
        os.kill(paused.pid, signal.SIGKILL)
        paused.communicate(timeout=30)
        assert mail.messages == []
        restarted = _flush(config)
        out, err = restarted.communicate(timeout=60)
        assert restarted.returncode == 0, err
    ids = Counter(m["Message-ID"] for m in mail.messages)
    assert ids == Counter({f"<RMD-{n}.proposal.email@remediate>": 1 for n in range(3)})
    assert json.loads(out)["outbox"] == {"pending": 0, "sending": 0, "sent": 3, "failed": 0}


def test_serve_sends_from_its_own_thread_without_holding_up_intake(tmp_path):
    """The CLI moved the incident; the server's sender thread delivers; a webhook that takes
    seconds to answer does not slow down the alert intake."""
    with WebhookReceiver(delay=2.0) as hook:
        config = write_config(tmp_path, mail=None, hook=hook)
        data = yaml.safe_load(config.read_text())
        data["server"]["tokens"] = {hashlib.sha256(b"token").hexdigest(): "alertmanager"}
        config.write_text(yaml.safe_dump(data))
        port = free_port()
        log = (tmp_path / "server.log").open("wb")
        server = subprocess.Popen(
            [
                *(str(BIN / "remediate"), "serve", "--config", str(config)),
                *("--port", str(port), "--workers", "0"),
            ],
            stdout=log,
            stderr=log,
            cwd=PROJECT_ROOT,
            env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
        )
        log.close()
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            engine = Engine(settings_of(config))
            awaiting_approval(engine, "RMD-20")
            while not hook.deliveries:
                assert time.monotonic() < deadline + 30, (tmp_path / "server.log").read_text()
                time.sleep(0.05)
            # The receiver is now sleeping on the sender's request: intake answers anyway.
            started = time.monotonic()
            accepted = httpx.post(
                f"{base}/api/v1/alerts",
                headers={"Authorization": "Bearer token"},
                json={"server_id": "srv-prod-04", "error_msg": "disk full"},
                timeout=10,
            )
            took = time.monotonic() - started
            assert accepted.status_code == 202, accepted.text
            assert took < 1.0, took
            while outbox.rows(engine.store)[0].status is not OutboxStatus.SENT:
                assert time.monotonic() < deadline + 60, (tmp_path / "server.log").read_text()
                time.sleep(0.05)
        finally:
            server.terminate()
            server.wait(timeout=30)
    [delivery] = hook.deliveries
    assert delivery.body["url"] == "https://remediate.example.com/incidents/RMD-20"
    logged = (tmp_path / "server.log").read_text()
    assert "RMD-20 proposal via webhook:chat (attempt 1): sent" in logged
    assert "s3cr3t" not in logged


def test_the_cli_path_records_and_flushes_an_escalation(tmp_path):
    """No server at all: `remediate investigate` escalates (an unknown host), its transition
    writes the outbox row, `remediate notify --flush` sends it."""
    with MailServer() as mail:
        config = write_config(tmp_path, mail=mail, hook=None)
        env = {"REMEDIATE_CONFIG": str(config)}
        alert = {"server_id": "db-legacy-9", "error_msg": "OrdersReplicaLagging replica lag 900s"}
        proc = remediate("investigate", "-", "--json", stdin=json.dumps(alert), env=env)
        assert proc.returncode == 0, proc.stderr
        [outcome] = json.loads(proc.stdout)
        incident = outcome["incident"]["id"]
        assert outcome["incident"]["status"] == "escalated"
        listed = json.loads(remediate("notify", "--json", env=env).stdout)
        assert [(r["incident"], r["event"], r["status"]) for r in listed] == [
            (incident, "escalated", "pending")
        ]
        flushed = remediate("notify", "--flush", env=env)
        assert flushed.returncode == 0, flushed.stderr
    [message] = mail.messages
    assert message["Subject"].startswith("[remediate] Escalated to an engineer: ")
    assert message["Subject"].endswith(f"on db-legacy-9 ({incident})"), message["Subject"]
    body = message.get_content()
    assert f"https://remediate.example.com/incidents/{incident}" in body
    assert "OrdersReplicaLagging" in body
    assert "sent 1, retrying later 0, failed 0" in flushed.stdout

"""The channels against real receivers: aiosmtpd for SMTP, http.server for webhooks.

What an operator checks: the message arrives whole, with its stable id; the password is read
from the environment and used; errors say what happened and whether a retry can help, and
never contain the webhook URL (its path is the secret) or the password.
"""

from __future__ import annotations

import pytest

from receivers import MailServer, WebhookReceiver, free_port, self_signed
from remediate.channels import ChannelError, Envelope, post_webhook, send_email
from remediate.config import SMTPSettings, WebhookSettings
from remediate.errors import ConfigError, NotificationError

ENVELOPE = Envelope("RMD-1.proposal.email", "[remediate] Approval requested", "body\nline 2\n")
SECRET_PATH = "/hooks/T0000/B0000/s3cr3t-webhook-token"


def smtp(port: int, **extra: object) -> SMTPSettings:
    return SMTPSettings.model_validate(
        {"host": "127.0.0.1", "port": port, "security": "none", "to": ["oncall@example.com"]}
        | extra
    )


def test_an_email_arrives_with_its_subject_body_and_stable_id():
    with MailServer() as mail:
        send_email(smtp(mail.port), ENVELOPE, timeout=5)
    [message] = mail.messages
    assert message["Subject"] == "[remediate] Approval requested"
    assert message["To"] == "oncall@example.com" and message["From"] == "remediate@localhost"
    assert message["Message-ID"] == "<RMD-1.proposal.email@remediate>"
    assert message.get_content().replace("\r\n", "\n") == "body\nline 2\n"


def test_the_relay_password_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "correct horse")
    with MailServer(login=("remediate", "correct horse")) as mail:
        send_email(
            smtp(mail.port, username="remediate", password_env="TEST_SMTP_PASSWORD"),
            ENVELOPE,
            timeout=5,
        )
        assert mail.logins == ["remediate"] and len(mail.messages) == 1
    monkeypatch.delenv("TEST_SMTP_PASSWORD")
    with pytest.raises(ConfigError, match="TEST_SMTP_PASSWORD is not set"):
        smtp(1, username="x", password_env="TEST_SMTP_PASSWORD").password()


def test_starttls_verifies_the_relay_and_never_falls_back_to_plain_text(tmp_path, monkeypatch):
    certificate = self_signed(tmp_path)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "correct horse")
    login = {"username": "remediate", "password_env": "TEST_SMTP_PASSWORD"}
    with MailServer(certificate=certificate, login=("remediate", "correct horse")) as mail:
        relay = smtp(mail.port, security="starttls", ca_file=str(certificate[0]), **login)
        send_email(relay, ENVELOPE, timeout=5)
        assert len(mail.messages) == 1 and mail.logins == ["remediate"]
        with pytest.raises(ChannelError, match="SSLCertVerificationError") as untrusted:
            send_email(smtp(mail.port, security="starttls", **login), ENVELOPE, timeout=5)
        assert not untrusted.value.permanent
        assert len(mail.messages) == 1 and mail.logins == ["remediate"], "nothing sent in clear"
    with MailServer() as plain, pytest.raises(ChannelError, match="STARTTLS"):
        send_email(smtp(plain.port, security="starttls"), ENVELOPE, timeout=5)
    assert plain.messages == []


def test_smtp_refusals_say_whether_a_retry_can_help():
    with MailServer(fail_first=1) as mail:
        with pytest.raises(ChannelError) as transient:
            send_email(smtp(mail.port), ENVELOPE, timeout=5)
        send_email(smtp(mail.port), ENVELOPE, timeout=5)
    assert "451" in str(transient.value) and not transient.value.permanent
    assert len(mail.messages) == 1
    with MailServer(refuse=True) as mail, pytest.raises(ChannelError) as permanent:
        send_email(smtp(mail.port), ENVELOPE, timeout=5)
    assert "550" in str(permanent.value) and permanent.value.permanent
    with pytest.raises(ChannelError, match="ConnectionRefusedError") as down:
        send_email(smtp(free_port()), ENVELOPE, timeout=5)
    assert not down.value.permanent


def webhook(url: str, monkeypatch: pytest.MonkeyPatch) -> WebhookSettings:
    monkeypatch.setenv("TEST_WEBHOOK_URL", url)
    return WebhookSettings(name="chat", url_env="TEST_WEBHOOK_URL")


def test_a_webhook_receives_the_json_with_its_idempotency_key(monkeypatch):
    body = Envelope("RMD-1.proposal.webhook-chat", "s", '{"text": "Approval requested"}')
    with WebhookReceiver() as hook:
        post_webhook(webhook(hook.url(SECRET_PATH), monkeypatch), body, timeout=5)
    [got] = hook.deliveries
    assert got.path == SECRET_PATH and got.body == {"text": "Approval requested"}
    assert got.headers["Idempotency-Key"] == "RMD-1.proposal.webhook-chat"
    assert got.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(("status_first", "permanent"), [(503, False)])
def test_webhook_errors_never_show_the_url(monkeypatch, status_first, permanent):
    body = Envelope("k", "s", "{}")
    with WebhookReceiver(fail_first=1) as hook:
        with pytest.raises(ChannelError) as failed:
            post_webhook(webhook(hook.url(SECRET_PATH), monkeypatch), body, timeout=5)
        assert str(failed.value) == f"webhook chat: HTTP {status_first}"
        assert failed.value.permanent is permanent
    with pytest.raises(ChannelError) as down:
        post_webhook(webhook(f"http://127.0.0.1:{free_port()}{SECRET_PATH}", monkeypatch), body, 5)
    with WebhookReceiver(delay=2) as slow, pytest.raises(ChannelError) as timeout:
        post_webhook(webhook(slow.url(SECRET_PATH), monkeypatch), body, timeout=0.5)
    assert "no answer within 0.5 s" in str(timeout.value)
    for error in (failed.value, down.value, timeout.value):
        assert isinstance(error, NotificationError)
        assert "s3cr3t" not in str(error) and "127.0.0.1" not in str(error), error


def test_a_webhook_url_must_be_given_once_and_be_http(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="exactly one of url_env or url_file"):
        WebhookSettings(name="chat")
    monkeypatch.setenv("TEST_WEBHOOK_URL", "ftp://example.com/x")
    with pytest.raises(ConfigError, match="not an http"):
        WebhookSettings(name="chat", url_env="TEST_WEBHOOK_URL").url()
    secret = tmp_path / "url"
    secret.write_text("https://chat.example.com/hooks/abc\n")
    assert (
        WebhookSettings(name="chat", url_file=secret).url() == "https://chat.example.com/hooks/abc"
    )

"""The two ways out for a notification: SMTP (``smtplib``) and a chat webhook (``urllib``).

Both are adapters in the house sense: they take a rendered message, talk to the outside world
with a timeout, and turn every foreign failure into :class:`NotificationError` whose text is
safe to log and store: it names the channel and what happened (an SMTP reply code, an HTTP
status, a timeout), never the webhook URL (its path is the secret) nor the relay password.
``permanent`` says whether trying again can help (an SMTP 5xx, an HTTP 4xx other than
408/429): the outbox then records the message as failed at once.
"""

from __future__ import annotations

import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate

from remediate.config import SMTPSettings, WebhookSettings
from remediate.errors import NotificationError
from remediate.inert import inert


class ChannelError(NotificationError):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Envelope:
    """One message for one channel; ``key`` is stable across attempts and processes."""

    key: str
    subject: str
    body: str


def _safe(text: str, *secrets: str | None) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[REDACTED]")
    return inert(text)[:300]


def send_email(smtp: SMTPSettings, envelope: Envelope, timeout: float) -> None:
    if not smtp.host or not smtp.to:
        raise ChannelError("email: notifications.smtp has no host or no recipients", permanent=True)
    password = smtp.password()
    # Headers folded only past RFC 5322's hard limit: a subject folded right after
    # "Subject:" reads back with a leading space in some parsers.
    message = EmailMessage(policy=SMTP_POLICY.clone(max_line_length=998))
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.to)
    message["Subject"] = inert(envelope.subject)[:250]
    message["Date"] = formatdate(localtime=False)
    # The same id at every attempt: a repeat after a crash is recognisable as one.
    message["Message-ID"] = f"<{envelope.key}@remediate>"
    message.set_content(envelope.body)
    try:
        client: smtplib.SMTP
        context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
        if smtp.security == "tls":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=context)
            if smtp.username:
                client.login(smtp.username, password or "")
            refused = client.send_message(message)
    except smtplib.SMTPResponseException as exc:
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        raise ChannelError(
            f"email: the relay answered {exc.smtp_code} {_safe(reply, password)}",
            permanent=500 <= exc.smtp_code < 600,
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise ChannelError(
            f"email: every recipient was refused ({len(exc.recipients)})", permanent=True
        ) from None
    except TimeoutError:
        raise ChannelError(f"email: the relay did not answer within {timeout:g} s") from None
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise ChannelError(
            f"email: {type(exc).__name__} talking to {smtp.host}:{smtp.port}: "
            f"{_safe(str(exc), password)}"
        ) from None
    if refused:
        # Some recipients took it; sending again would duplicate it for them.
        raise ChannelError(f"email: {len(refused)} recipient(s) refused", permanent=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would be replayed as a GET without its body: refuse it instead."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post_webhook(webhook: WebhookSettings, envelope: Envelope, timeout: float) -> None:
    """POST ``envelope.body`` (a JSON document) to the webhook's URL."""
    url = webhook.url()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked to be http(s)
        url,
        data=envelope.body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Idempotency-Key": envelope.key,
            "User-Agent": "remediate",
        },
    )
    where = f"webhook {webhook.name}"
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65_536)
    except urllib.error.HTTPError as exc:
        exc.close()
        permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
        raise ChannelError(f"{where}: HTTP {exc.code}", permanent=permanent) from None
    except TimeoutError:
        raise ChannelError(f"{where}: no answer within {timeout:g} s") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        kind = type(reason).__name__ if isinstance(reason, BaseException) else "error"
        detail = getattr(reason, "strerror", None) or kind
        raise ChannelError(f"{where}: connection failed ({_safe(str(detail), url)})") from None
    except OSError as exc:
        raise ChannelError(f"{where}: {type(exc).__name__} ({exc.strerror or ''})") from None

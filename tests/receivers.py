"""Real receivers for the notification tests, on loopback ports.

- :class:`MailServer`: aiosmtpd (a complete SMTP server, with STARTTLS and AUTH) that keeps
  every message it accepted and can refuse the first N with a transient 451 or all with 550.
- :class:`WebhookReceiver`: a threading ``http.server`` that keeps every POST (path, headers,
  JSON body) and can answer 503 to the first N, or take its time before answering.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (its own CA) and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "remediate test relay")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "relay.crt", directory / "relay.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class _MailHandler:
    fail_first: int = 0
    refuse: bool = False
    attempts: int = 0
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        if self.attempts <= self.fail_first:
            return "451 4.3.0 try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


class MailServer:
    def __init__(
        self,
        *,
        fail_first: int = 0,
        refuse: bool = False,
        login: tuple[str, str] | None = None,
        certificate: tuple[Path, Path] | None = None,
    ) -> None:
        self.port = free_port()
        self.handler = _MailHandler(fail_first=fail_first, refuse=refuse)
        self.logins: list[str] = []
        kwargs: dict[str, Any] = {}
        if login is not None:

            def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any):  # type: ignore[no-untyped-def]
                ok = (
                    isinstance(data, LoginPassword)
                    and (
                        data.login.decode(),
                        data.password.decode(),
                    )
                    == login
                )
                self.logins.append(data.login.decode() if ok else "refused")
                return AuthResult(success=ok)

            # Offered, not required: aiosmtpd warns about requiring AUTH without TLS, and the
            # test checks the login happened anyway.
            kwargs = {"authenticator": authenticate, "auth_require_tls": False}
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*certificate)
            kwargs |= {"tls_context": context, "require_starttls": True}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> MailServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    @property
    def attempts(self) -> int:
        return self.handler.attempts


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int


class WebhookReceiver:
    def __init__(self, *, fail_first: int = 0, delay: float = 0.0) -> None:
        self.fail_first = fail_first
        self.delay = delay
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.lock:
                    failing = len(receiver.deliveries) < receiver.fail_first
                    status = 503 if failing else 200
                    receiver.deliveries.append(
                        Delivery(self.path, dict(self.headers), body, status)
                    )
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting (the timeout test)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def accepted(self) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.status == 200]

"""Who is signed in to the review page: passwords, sessions, CSRF tokens, proxies.

Passwords are argon2 hashes in ``server.users`` (never the passwords). A session is a
cookie signed with the session key (itsdangerous): it holds the user name, a random session
id and the time of sign-in, so it cannot be forged or extended without the key; the CSRF
token of every form is an HMAC of that session id, so a page of one session cannot post for
another. A reverse proxy's header is believed only when the TCP peer is one of
``server.trusted_proxies``. Sign-in attempts are limited per user and per address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from remediate.config import ServerSettings
from remediate.errors import ConfigError

COOKIE = "remediate_session"
_HASHER = PasswordHasher()
# Verifying against this when the user is unknown costs as much as a real check, so the
# time taken does not tell which user names exist.
_DUMMY = _HASHER.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    if not password:
        raise ConfigError("an empty password cannot be hashed")
    return _HASHER.hash(password)


def check_password(users: Mapping[str, str], user: str, password: str) -> bool:
    stored = users.get(user)
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def session_key(server: ServerSettings) -> bytes:
    """The configured key, or a random one (sessions then end with the process)."""
    if server.session_secret_file is not None:
        try:
            text = server.session_secret_file.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read server.session_secret_file: {exc}") from exc
        if len(text) < 16:
            raise ConfigError("server.session_secret_file holds fewer than 16 characters")
        return text.encode()
    if server.session_secret is not None:
        value = server.session_secret.get_secret_value()
        if len(value) < 16:
            raise ConfigError("server.session_secret must be at least 16 characters")
        return value.encode()
    return secrets.token_bytes(32)


@dataclass(frozen=True)
class Session:
    user: str
    sid: str
    via: str
    """``password`` or ``proxy``."""


class Sessions:
    """Signed session cookies and the CSRF tokens derived from them."""

    def __init__(self, key: bytes, max_age: int) -> None:
        self._key = key
        self._signer = URLSafeTimedSerializer(key, salt="remediate-session")
        self.max_age = max_age

    def issue(self, user: str, via: str = "password") -> tuple[Session, str]:
        session = Session(user=user, sid=secrets.token_urlsafe(16), via=via)
        cookie = self._signer.dumps({"u": user, "s": session.sid, "v": via})
        return session, cookie

    def read(self, cookie: str | None, users: Iterable[str] | None = None) -> Session | None:
        """The session in ``cookie``; None when it is missing, forged, expired, or its user
        is no longer configured (``users``)."""
        if not cookie:
            return None
        try:
            data = self._signer.loads(cookie, max_age=self.max_age)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        user, sid, via = data.get("u"), data.get("s"), data.get("v")
        if not (isinstance(user, str) and isinstance(sid, str) and isinstance(via, str)):
            return None
        if users is not None and via == "password" and user not in set(users):
            return None
        return Session(user=user, sid=sid, via=via)

    def csrf_token(self, session: Session) -> str:
        return hmac.new(self._key, f"csrf:{session.sid}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(session), token or "")


def proxy_user(server: ServerSettings, peer: str | None, headers: Mapping[str, str]) -> str | None:
    """The user a trusted reverse proxy vouches for, or None (no header configured, the
    peer is not a trusted proxy, or the header is absent or not a plain name)."""
    if not server.trusted_header or not peer:
        return None
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return None
    if not any(address in ipaddress.ip_network(n, strict=False) for n in server.trusted_proxies):
        return None
    name = headers.get(server.trusted_header.lower(), "").strip()
    if not name or len(name) > 200 or not name.isprintable():
        return None
    return name


class AttemptLimiter:
    """At most ``limit`` failed sign-ins per key (user, address) in ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.limit for k in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

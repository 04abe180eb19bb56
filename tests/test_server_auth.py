"""The review page's sign-in pieces: argon2 hashes, signed sessions, CSRF, trusted proxies,
the attempt limit, and the configuration that carries them."""

import subprocess

import pytest
import yaml

from command import BIN
from remediate.config import ServerSettings, load_settings
from remediate.errors import ConfigError
from remediate.server.auth import (
    AttemptLimiter,
    Sessions,
    check_password,
    hash_password,
    proxy_user,
    session_key,
)


def test_a_password_is_stored_as_an_argon2_hash_and_checked():
    stored = hash_password("correct horse")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    users = {"alice": stored}
    assert check_password(users, "alice", "correct horse")
    assert not check_password(users, "alice", "wrong")
    assert not check_password(users, "bob", "correct horse"), "unknown user"
    assert not check_password({"alice": "$argon2id$garbage"}, "alice", "x")


def test_hash_password_command_prints_a_hash_that_verifies():
    proc = subprocess.run(
        [str(BIN / "remediate"), "hash-password"],
        input="s3cret pass\n",
        capture_output=True,
        text=True,
        check=True,
    )
    stored = proc.stdout.strip()
    assert check_password({"u": stored}, "u", "s3cret pass") and "s3cret" not in proc.stdout


def test_sessions_are_signed_and_bound_to_configured_users():
    sessions = Sessions(b"k" * 32, max_age=60)
    session, cookie = sessions.issue("alice")
    read = sessions.read(cookie, ["alice"])
    assert read == session
    assert sessions.read(cookie, ["bob"]) is None, "a user removed from the config is out"
    assert sessions.read(cookie[:-2] + "xx", ["alice"]) is None, "tampered"
    assert Sessions(b"o" * 32, max_age=60).read(cookie, ["alice"]) is None, "another key"
    assert sessions.read("", ["alice"]) is None and sessions.read(None) is None


def test_sessions_expire():
    sessions = Sessions(b"k" * 32, max_age=-1)
    _, cookie = sessions.issue("alice")
    assert sessions.read(cookie, ["alice"]) is None


def test_csrf_token_belongs_to_one_session():
    sessions = Sessions(b"k" * 32, max_age=60)
    one, _ = sessions.issue("alice")
    two, _ = sessions.issue("alice")
    token = sessions.csrf_token(one)
    assert sessions.csrf_ok(one, token)
    assert not sessions.csrf_ok(two, token), "another session of the same user"
    assert not sessions.csrf_ok(one, None) and not sessions.csrf_ok(one, "")


def test_trusted_header_is_believed_only_from_trusted_proxies():
    server = ServerSettings(trusted_header="X-Remote-User", trusted_proxies=["10.0.0.0/8", "::1"])
    headers = {"x-remote-user": "alice"}
    assert proxy_user(server, "10.1.2.3", headers) == "alice"
    assert proxy_user(server, "::1", headers) == "alice"
    assert proxy_user(server, "192.168.1.5", headers) is None, "not a trusted proxy"
    assert proxy_user(server, "10.1.2.3", {}) is None, "header absent"
    assert proxy_user(server, "not-an-ip", headers) is None
    assert proxy_user(ServerSettings(trusted_proxies=["10.0.0.0/8"]), "10.1.2.3", headers) is None


def test_attempts_are_limited_per_key_and_reset_on_success():
    limiter = AttemptLimiter(limit=3, window=60)
    for _ in range(3):
        assert not limiter.blocked("user:alice", "addr:1.2.3.4")
        limiter.failed("user:alice", "addr:1.2.3.4")
    assert limiter.blocked("user:alice") and limiter.blocked("addr:1.2.3.4")
    assert not limiter.blocked("user:bob")
    limiter.succeeded("user:alice")
    assert not limiter.blocked("user:alice")


def test_session_secret_comes_from_the_environment_or_a_file(tmp_path):
    config = tmp_path / "remediate.yaml"
    (tmp_path / "key").write_text("a-file-key-of-enough-length\n")
    config.write_text(yaml.safe_dump({"server": {"session_secret_file": "key"}}))
    settings = load_settings(config, env={})
    assert session_key(settings.server) == b"a-file-key-of-enough-length"
    from_env = load_settings(env={"REMEDIATE_SESSION_SECRET": "an-env-key-long-enough"})
    assert session_key(from_env.server) == b"an-env-key-long-enough"
    assert "an-env-key" not in repr(from_env)
    assert session_key(ServerSettings()) != session_key(ServerSettings()), "random per process"
    with pytest.raises(ConfigError):
        session_key(ServerSettings(session_secret="short"))


@pytest.mark.parametrize(
    "server",
    [
        {"users": {"alice": "plaintext"}},
        {"trusted_proxies": ["not an address"]},
        {"public_url": "ftp://x"},
    ],
)
def test_bad_server_settings_fail_loudly(tmp_path, server):
    config = tmp_path / "remediate.yaml"
    config.write_text(yaml.safe_dump({"server": server}))
    with pytest.raises(ConfigError):
        load_settings(config, env={})

"""A real `remediate serve` for the review page, over a real incident of the supervisord lab.

Incidents are made the way a user makes them (`remediate investigate` on the crashed lab
service); the server runs with no workers (nothing is queued here) and users whose passwords
are argon2-hashed in its configuration.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from command import BIN
from lab_cli import ARTICLE, cli, write_config
from receivers import free_port
from remediate.config import PROJECT_ROOT
from remediate.lab import Lab
from remediate.server.auth import hash_password

PASSWORDS = {"alice": "alice-pass-1", "bob": "bob-pass-22", "mallory": "mallory-pass-3"}
"""alice and bob may approve (approval.users); mallory may sign in but not approve."""


def review_config(
    lab: Lab,
    directory: Path,
    index: Path,
    *,
    public_url: str = "http://127.0.0.1",
    notifications: dict[str, Any] | None = None,
) -> Path:
    config = write_config(lab, directory, index)
    data = yaml.safe_load(config.read_text())
    data["approval"]["users"] = ["alice", "bob"]
    data["server"] = {
        "users": {name: hash_password(p) for name, p in PASSWORDS.items()},
        "session_secret": "test-session-secret-0123456789",
        "public_url": public_url,
    }
    if notifications is not None:
        data["notifications"] = notifications
    config.write_text(yaml.safe_dump(data))
    return config


def investigate(config: Path, lab: Lab) -> dict[str, Any]:
    """A new incident of the crashed lab service, waiting for approval."""
    lab.recover()
    lab.crash()
    proc = cli(
        config, "investigate", "-", "--json", stdin=json.dumps({"server_id": lab.host, **ARTICLE})
    )
    assert proc.returncode == 0, proc.stderr
    [outcome] = json.loads(proc.stdout)
    assert outcome["incident"]["status"] == "awaiting_approval", outcome
    return dict(outcome)


class ReviewServer:
    def __init__(self, config: Path, port: int | None = None) -> None:
        """``port``: the one ``server.public_url`` names, when the configuration has it."""
        self.config = config
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = config.parent / "server.log"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    *(str(BIN / "remediate"), "serve", "--config", str(config)),
                    *("--port", str(self.port), "--workers", "0"),
                ],
                stdout=out,
                stderr=out,
                env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
                cwd=PROJECT_ROOT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=300, follow_redirects=False)

    def signed_in(self, user: str) -> contextlib.closing[httpx.Client]:
        client = self.client()
        form = client.get("/login")
        response = client.post(
            "/login",
            data={"user": user, "password": PASSWORDS[user], "csrf": csrf(form.text), "next": "/"},
        )
        assert response.status_code == 303, response.text
        return contextlib.closing(client)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of the Approve / Reject form."""
    form = html[html.index('id="respond"') :]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form)[:3])

"""``remediate demo``: the whole pipeline on a lab host on this machine, real parts only.

A real HTTP service runs under a real supervisord (as the current user), or, with
``--kind systemd`` (root), as a systemd unit behind nginx on the systemd lab reached over
SSH with sudo for ``become``; the demo kills it, raises the article's alert, and runs
gather → sanitize → retrieve → plan → guard → dry-run → inquiry → approval (given as a
named operator, printing the command a human would type) → execute → verify →
email draft → timeline. It exits non-zero if any stage fails and always
stops the lab.
"""

from __future__ import annotations

import sys
import tempfile
import time
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import yaml

from remediate.config import PROJECT_ROOT, load_settings
from remediate.errors import RemediateError
from remediate.lab import Lab
from remediate.models import IncidentStatus
from remediate.pipeline import Engine
from remediate.report import incident_text, outcome_text

OPERATOR = "alice"


class DemoFailed(RemediateError):
    pass


def _step(title: str) -> None:
    print(f"\n=== {title}", flush=True)


class DemoLab(Protocol):
    """What the demo needs of a lab: :class:`Lab` and :class:`SystemdLab` both are one."""

    host: str
    service: str
    description: str

    @property
    def inventory_path(self) -> Path: ...
    @property
    def health_url(self) -> str: ...
    def crash(self) -> None: ...
    def is_healthy(self) -> bool: ...


def _lab(kind: str, directory: Path) -> AbstractContextManager[DemoLab]:
    if kind == "systemd":
        from remediate.systemd_lab import SystemdLab

        return SystemdLab(directory)
    return Lab(directory)


def run_demo(*, keep: bool = False, kind: str = "supervisord") -> int:
    started = time.monotonic()
    directory = Path(tempfile.mkdtemp(prefix="rmd-demo-"))
    try:
        with _lab(kind, directory / "lab") as lab:
            code = _run(lab, directory)
    except RemediateError as exc:
        print(f"\ndemo FAILED: {exc}", file=sys.stderr)
        code = 1
    finally:
        if not keep:
            import shutil

            shutil.rmtree(directory, ignore_errors=True)
    print(f"\ndemo {'passed' if code == 0 else 'FAILED'} in {time.monotonic() - started:.1f} s")
    return code


def _run(lab: DemoLab, directory: Path) -> int:
    _step(f"lab host {lab.host}: {lab.description}, health at {lab.health_url}")
    print(f"healthy: {lab.is_healthy()}")
    config = directory / "remediate.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "inventory": str(lab.inventory_path),
                "state_dir": str(directory / "state"),
                "kb": str(PROJECT_ROOT / "kb"),
                "approval": {"users": [OPERATOR], "route": "demo-oncall", "ttl": 30},
            }
        )
    )
    settings = load_settings(config, env={})
    engine = Engine(settings)

    _step("knowledge base: ingest kb/ into embedded LanceDB")
    report, _ = engine.ingest()
    print(f"indexed {report.rows} rows (runbook sections and tickets)")

    _step(f"incident: kill '{lab.service}' (SIGKILL; nothing will restart it)")
    lab.crash()
    print(f"healthy: {lab.is_healthy()}")

    alert = {
        "server_id": lab.host,
        "error_msg": "502 Bad Gateway - Connection Refused",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _step(f"alert in: {alert}")
    outcome = engine.investigate(alert)[0]
    print(outcome_text(engine, outcome))
    if outcome.incident.status is not IncidentStatus.AWAITING_APPROVAL or not outcome.inquiry:
        raise DemoFailed(f"expected a proposal awaiting approval, got {outcome.incident.status}")

    _step(f"approval: {OPERATOR} answers the inquiry; a human would type:")
    print(
        f"  remediate --config {config} inquiry respond {outcome.inquiry.id} "
        "--approve --comment 'dry run looks right'"
    )
    print(f"  (as the operating-system user that approval.identities maps to {OPERATOR})")
    result = engine.respond(
        outcome.inquiry.id,
        {"approved": True, "comment": "dry run looks right"},
        user=OPERATOR,
    )

    _step("execute and verify")
    for run in engine.store.executions(result.incident.id):
        if not run.check_mode:
            print(f"{run.action}: {run.status} ({run.run_id})")
    for verification in engine.store.verifications(result.incident.id):
        for check in verification.checks:
            print(f"  {'ok ' if check.ok else 'BAD'} {check.name}")
    healthy = lab.is_healthy()
    print(f"service answers HTTP 200 again: {healthy}")

    _step("email draft")
    drafts = {d["kind"]: d for d in engine.store.drafts(result.incident.id)}
    email = drafts.get("email")
    if email:
        print(f"Subject: {email['subject']}\n\n{email['body']}")
        print(f"(written to {email['path']})")

    _step("timeline")
    print(incident_text(engine, engine.store.get_incident(result.incident.id)))
    if result.incident.status is not IncidentStatus.VERIFIED or not healthy or email is None:
        raise DemoFailed(f"incident ended {result.incident.status}; healthy={healthy}")
    return 0

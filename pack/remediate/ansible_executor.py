"""Adapter around ansible-runner: run one catalog playbook on one host.

Every run gets a fresh private_data_dir (mode 0700) named by its run id, which
is also ansible-runner's ``ident``, so artifacts join to our records. What runs
is exactly what the caller names: the playbook is copied into the run's
``project/`` and its content hash checked against the one the caller expects,
and the inventory is written for this run from the host variables the caller
passes (the ones an approval bound), not read from a file that may have changed.
ansible-runner gets a minimal environment (no API keys or other secrets of this
process), and its raw artifacts (command line, environment, stdout, job events
with unsanitized output) are deleted as soon as their events are parsed: the
caller stores only a sanitized rendering. ansible-runner's status strings are
mapped to :class:`ExecutionStatus` here and nowhere else.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ansible_runner.interface
import yaml

from remediate import failpoint
from remediate.errors import ApprovalMismatch, ExecutionError
from remediate.lease import owner_alive, process_owner
from remediate.models import Execution, ExecutionStatus, ParamValue, TaskEvent, utcnow

_STATUS = {
    "successful": ExecutionStatus.SUCCESSFUL,
    "failed": ExecutionStatus.FAILED,
    "timeout": ExecutionStatus.TIMEOUT,
    "canceled": ExecutionStatus.CANCELED,
}
_EVENT_STATUS = {
    "runner_on_ok": "ok",
    "runner_on_failed": "failed",
    "runner_on_skipped": "skipped",
    "runner_on_unreachable": "unreachable",
}
REPORT_TASK = "Report observation"
MAX_DETAIL = 4000
OWNER_FILE = "owner"
_KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "USER", "LOGNAME")
_KEPT_ENV_PREFIXES = ("ANSIBLE_", "SSH_AUTH_SOCK")


def runner_environment(inherited: Mapping[str, str], prepared: Mapping[str, str]) -> dict[str, str]:
    """What ansible-playbook sees: the variables ansible-runner itself set, plus a short
    allowlist of ours (locale, PATH, HOME, the SSH agent, ANSIBLE_* settings). Everything
    else this process inherited (API keys, tokens, passwords) stays out of the run and out
    of the ``artifacts/*/command`` file ansible-runner writes."""
    kept = {}
    for key, value in prepared.items():
        ours = key in inherited and inherited[key] == value
        if not ours or key in _KEPT_ENV or key.startswith(_KEPT_ENV_PREFIXES):
            kept[key] = value
    return kept


def purge_dead_runs(runs_dir: Path) -> list[str]:
    """Delete run directories left by processes that died mid-run (kill -9): their raw
    artifacts may hold unsanitized output. Runs of live processes are left alone."""
    removed: list[str] = []
    if not runs_dir.is_dir():
        return removed
    for private in runs_dir.iterdir():
        owner_file = private / OWNER_FILE
        try:
            owner = owner_file.read_text().strip()
        except OSError:
            owner = ""
        if owner and owner_alive(owner, None):
            continue
        shutil.rmtree(private, ignore_errors=True)
        removed.append(private.name)
    return removed


def new_run_id() -> str:
    return "run-" + secrets.token_hex(8)


def ensure_ansible_on_path() -> None:
    """ansible-runner looks up ``ansible-playbook`` on PATH; put our interpreter's bin/ first."""
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bindir not in parts:
        os.environ["PATH"] = os.pathsep.join([bindir, *parts])


class AnsibleExecutor:
    def __init__(self, runs_dir: Path) -> None:
        self.runs_dir = runs_dir
        ensure_ansible_on_path()

    def run(
        self,
        *,
        action: str,
        playbook: Path,
        host: str,
        host_vars: Mapping[str, Any],
        params: Mapping[str, ParamValue],
        check_mode: bool = False,
        timeout: int = 300,
        expected_digest: str | None = None,
    ) -> Execution:
        run_id = new_run_id()
        private = self.runs_dir / run_id
        started = utcnow()
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.runs_dir, 0o700)
            (private / "project").mkdir(parents=True, mode=0o700)
            os.chmod(private, 0o700)
            (private / OWNER_FILE).write_text(process_owner())
            data = playbook.read_bytes()
        except OSError as exc:
            raise ExecutionError(f"cannot prepare run directory {private}: {exc}") from exc
        try:
            if expected_digest is not None and hashlib.sha256(data).hexdigest() != expected_digest:
                raise ApprovalMismatch(
                    f"{playbook.name} changed since it was approved; not running it"
                )
            (private / "project" / playbook.name).write_bytes(data)
            library = playbook.parent / "library"
            if library.is_dir():  # the catalog's own read-only modules (host_facts)
                shutil.copytree(
                    library,
                    private / "project" / "library",
                    ignore=shutil.ignore_patterns("__pycache__"),
                )
            (private / "inventory").mkdir(mode=0o700)
            (private / "inventory" / "hosts.yml").write_text(
                yaml.safe_dump({"all": {"hosts": {host: dict(host_vars)}}}, sort_keys=True)
            )
            raw_events = self._run(
                private, run_id, action, playbook.name, host, params, check_mode, timeout
            )
        finally:
            shutil.rmtree(private, ignore_errors=True)
        status, rc, raw = raw_events
        events = [e for e in (_task_event(ev) for ev in raw) if e is not None]
        return Execution(
            facts=_reported_facts(raw),
            run_id=run_id,
            action=action,
            host=host,
            check_mode=check_mode,
            status=status,
            rc=rc,
            started_at=started,
            finished_at=utcnow(),
            events=events,
            output=render_events(events),
        )

    @staticmethod
    def _run(
        private: Path,
        run_id: str,
        action: str,
        playbook: str,
        host: str,
        params: Mapping[str, ParamValue],
        check_mode: bool,
        timeout: int,
    ) -> tuple[ExecutionStatus, int | None, list[dict[str, Any]]]:
        extravars: dict[str, Any] = {**params, "target": host}

        def on_event(event: Mapping[str, Any]) -> bool:
            if event.get("event") == "playbook_on_task_start":
                task = str((event.get("event_data") or {}).get("task", ""))
                failpoint.hit(f"run.{action}")
                failpoint.hit(f"run.{action}:{task}")
            return True

        try:
            runner = ansible_runner.interface.init_runner(
                private_data_dir=str(private),
                ident=run_id,
                playbook=playbook,
                inventory=str(private / "inventory" / "hosts.yml"),
                limit=host,
                extravars=extravars,
                cmdline="--check --diff" if check_mode else "--diff",
                timeout=timeout,
                quiet=True,
                suppress_env_files=True,
                envvars={"ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0"},
                event_handler=on_event,
            )
            runner.config.env = runner_environment(os.environ, runner.config.env)
            runner.run()
            events = list(runner.events)
        except Exception as exc:  # ansible-runner raises bare exceptions on bad configuration
            raise ExecutionError(f"ansible-runner could not start {playbook}: {exc}") from exc
        status = _STATUS.get(str(runner.status), ExecutionStatus.ERROR)
        return status, runner.rc if isinstance(runner.rc, int) else None, events


def _task_event(event: Mapping[str, Any]) -> TaskEvent | None:
    kind = event.get("event")
    if kind not in _EVENT_STATUS:
        return None
    data = event.get("event_data", {})
    res = data.get("res", {}) or {}
    status = _EVENT_STATUS[str(kind)]
    if status == "ok" and res.get("changed"):
        status = "changed"
    if status == "failed" and data.get("ignore_errors"):
        status = "failed (ignored)"
    return TaskEvent(
        task=str(data.get("task", "")),
        host=str(data.get("host", "")),
        status=status,
        detail=_detail(res)[:MAX_DETAIL],
    )


def _reported_facts(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The structured result of a ``Report observation`` task whose module returns
    ``facts`` (host_facts), with the raw text of each command beside it under ``raw``."""
    for event in events:
        data = event.get("event_data") or {}
        if event.get("event") == "runner_on_ok" and data.get("task") == REPORT_TASK:
            res = data.get("res") or {}
            if isinstance(res.get("facts"), dict):
                return {"facts": res["facts"], "raw": res.get("raw") or {}}
    return None


def _detail(res: Mapping[str, Any]) -> str:
    parts: list[str] = []
    msg = res.get("msg")
    if isinstance(msg, dict):
        msg = json.dumps(msg, sort_keys=True)
    if isinstance(msg, list):
        msg = "\n".join(map(str, msg))
    if msg:
        parts.append(str(msg))
    for key in ("stdout", "stderr"):
        if res.get(key):
            parts.append(str(res[key]))
    diffs = res.get("diff")
    if isinstance(diffs, dict):
        diffs = [diffs]
    for diff in diffs or []:
        parts.append(_render_diff(diff))
    # A loop's own msg ("All items completed") says nothing; its items carry the diffs.
    for item in res.get("results") or []:
        if isinstance(item, dict) and not item.get("skipped"):
            parts.append(_detail(item))
    return "\n".join(p for p in parts if p)


def _render_diff(diff: Mapping[str, Any]) -> str:
    before, after = diff.get("before"), diff.get("after")
    if before is None and after is None:
        return str(diff.get("prepared", ""))
    header = diff.get("before_header") or diff.get("after_header") or ""

    def show(value: object) -> str:
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True)

    lines = [f"--- {header}".rstrip()] if header else []
    lines += [f"- {line}" for line in show(before).splitlines()]
    lines += [f"+ {line}" for line in show(after).splitlines()]
    return "\n".join(lines)


def render_events(events: list[TaskEvent]) -> str:
    blocks = []
    for event in events:
        head = f"[{event.status}] {event.task} ({event.host})"
        blocks.append(head + ("\n" + _indent(event.detail) if event.detail else ""))
    return "\n".join(blocks)


def observation_text(execution: Execution) -> str:
    """What a read-only playbook reports (its ``Report observation`` task), else all output."""
    reports = [e.detail for e in execution.events if e.task == REPORT_TASK]
    return "\n".join(reports) if reports else execution.output


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())

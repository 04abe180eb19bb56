"""ansible-runner for real, against the supervisord lab."""

import hashlib
import stat

import pytest

from remediate.ansible_executor import AnsibleExecutor, observation_text
from remediate.catalog import load_catalog
from remediate.config import PROJECT_ROOT
from remediate.errors import ApprovalMismatch
from remediate.lab import Lab
from remediate.models import ExecutionStatus

CATALOG = load_catalog(PROJECT_ROOT / "playbooks" / "catalog.yaml", syntax_check=False)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with Lab(tmp_path_factory.mktemp("lab")) as running:
        yield running


@pytest.fixture
def executor(lab, tmp_path):
    return AnsibleExecutor(tmp_path / "runs", lab.inventory_path)


def run(executor, lab, action, params, **kw):
    spec = CATALOG.get(action)
    return executor.run(
        action=action,
        playbook=CATALOG.playbook_path(spec.playbook),
        host=lab.host,
        params=spec.with_defaults(params),
        **kw,
    )


def test_read_only_run_reports_an_observation_in_a_private_run_dir(executor, lab):
    execution = run(executor, lab, "service_status", {"service": lab.service})
    assert execution.status is ExecutionStatus.SUCCESSFUL and execution.rc == 0
    assert "RUNNING" in observation_text(execution)
    private = executor.runs_dir / execution.run_id
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert (private / "artifacts" / execution.run_id).is_dir(), (
        "ident joins artifacts to the run id"
    )
    assert not (private / "env" / "extravars").exists(), "no parameters left behind in env/"


def test_check_mode_changes_nothing(executor, lab):
    execution = run(executor, lab, "restart_service", {"service": lab.service}, check_mode=True)
    assert execution.check_mode and execution.status is ExecutionStatus.SUCCESSFUL
    assert any(e.task == "Plan" for e in execution.events)
    assert lab.is_healthy()


def test_a_changed_playbook_is_not_run(executor, lab, tmp_path):
    copy = tmp_path / "restart_service.yml"
    copy.write_bytes(CATALOG.playbook_path("restart_service.yml").read_bytes() + b"\n# edited\n")
    approved = hashlib.sha256(CATALOG.playbook_path("restart_service.yml").read_bytes()).hexdigest()
    with pytest.raises(ApprovalMismatch):
        executor.run(
            action="restart_service",
            playbook=copy,
            host=lab.host,
            params={"service": lab.service},
            expected_digest=approved,
        )


def test_failed_playbook_maps_to_failed(executor, lab):
    execution = run(executor, lab, "restart_service", {"service": "not-listed"})
    assert execution.status is ExecutionStatus.FAILED
    assert any(e.status == "failed" for e in execution.events)

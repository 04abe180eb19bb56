"""ansible-runner for real, against the supervisord lab."""

import hashlib
import stat

import pytest

from remediate.ansible_executor import AnsibleExecutor, observation_text
from remediate.catalog import load_catalog
from remediate.config import PROJECT_ROOT
from remediate.errors import ApprovalMismatch
from remediate.inventory import load_inventory
from remediate.lab import Lab
from remediate.models import ExecutionStatus

CATALOG = load_catalog(PROJECT_ROOT / "playbooks" / "catalog.yaml", syntax_check=False)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with Lab(tmp_path_factory.mktemp("lab")) as running:
        yield running


@pytest.fixture
def executor(lab, tmp_path):
    return AnsibleExecutor(tmp_path / "runs")


def host_vars(lab):
    return load_inventory(lab.inventory_path).get(lab.host).vars


def run(executor, lab, action, params, **kw):
    spec = CATALOG.get(action)
    return executor.run(
        action=action,
        playbook=CATALOG.playbook_path(spec.playbook),
        host=lab.host,
        host_vars=kw.pop("host_vars", None) or host_vars(lab),
        params=spec.with_defaults(params),
        **kw,
    )


def test_read_only_run_reports_an_observation_and_leaves_no_artifacts(executor, lab):
    execution = run(executor, lab, "service_status", {"service": lab.service})
    assert execution.status is ExecutionStatus.SUCCESSFUL and execution.rc == 0
    assert "RUNNING" in observation_text(execution)
    assert stat.S_IMODE(executor.runs_dir.stat().st_mode) == 0o700
    # Raw artifacts (command line and environment, stdout, job events) are parsed, then gone.
    assert list(executor.runs_dir.iterdir()) == []


def test_the_run_sees_no_secret_of_this_process(executor, lab, tmp_path, monkeypatch):
    canary = "sk-canary-" + "7f3a9c2e" * 4
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    monkeypatch.setenv("REMEDIATE_TEST_TOKEN", canary)
    probe = tmp_path / "probe.yml"
    probe.write_text(
        "- hosts: '{{ target }}'\n  gather_facts: false\n  tasks:\n"
        "    - name: Report observation\n      ansible.builtin.debug:\n"
        "        msg: \"key=[{{ lookup('env', 'OPENAI_API_KEY') }}] "
        "token=[{{ lookup('env', 'REMEDIATE_TEST_TOKEN') }}] home=[{{ lookup('env', 'HOME') }}]\"\n"
    )
    execution = executor.run(
        action="probe", playbook=probe, host=lab.host, host_vars=host_vars(lab), params={}
    )
    seen = observation_text(execution)
    assert execution.status is ExecutionStatus.SUCCESSFUL, execution.output
    assert "key=[] token=[]" in seen and "home=[/" in seen, seen


def test_what_runs_is_the_host_variables_given_not_the_inventory_file(executor, lab):
    """The approval binds the resolved host variables; a later edit of the inventory file
    cannot substitute a binary under an old approval."""
    tampered = {**host_vars(lab), "supervisorctl": "/bin/false"}
    execution = run(executor, lab, "service_status", {"service": lab.service}, host_vars=tampered)
    assert "state: UNKNOWN" in observation_text(execution)
    assert "RUNNING" in observation_text(
        run(executor, lab, "service_status", {"service": lab.service})
    )


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
            host_vars=host_vars(lab),
            params={"service": lab.service},
            expected_digest=approved,
        )
    assert list(executor.runs_dir.iterdir()) == []


def test_failed_playbook_maps_to_failed(executor, lab):
    execution = run(executor, lab, "restart_service", {"service": "not-listed"})
    assert execution.status is ExecutionStatus.FAILED
    assert any(e.status == "failed" for e in execution.events)

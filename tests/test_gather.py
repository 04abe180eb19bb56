import pytest

from remediate.catalog import load_catalog
from remediate.config import PROJECT_ROOT
from remediate.errors import ConfigError
from remediate.gather import jobs_for
from remediate.inventory import inventory_from_hosts

CATALOG = load_catalog(PROJECT_ROOT / "playbooks" / "catalog.yaml", syntax_check=False)
HOST = inventory_from_hosts(
    {"srv": {"services": ["nginx", "app-api", "a", "b"], "address": "10.0.0.1"}}
).get("srv")


def test_service_actions_run_per_service_up_to_a_limit():
    jobs = jobs_for(CATALOG, ["service_status", "check_disk"], HOST)
    assert jobs == [
        ("service_status", {"service": "nginx"}),
        ("service_status", {"service": "app-api"}),
        ("service_status", {"service": "a"}),
        ("check_disk", {}),
    ]


def test_a_write_action_can_never_be_gathered():
    with pytest.raises(ConfigError, match="read-only"):
        jobs_for(CATALOG, ["restart_service"], HOST)


def _local_host(tmp_path, **host_vars):
    import sys

    import yaml

    from remediate.inventory import load_inventory

    inventory = tmp_path / "inventory.yml"
    spec = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"here": {**spec, **host_vars}}}}))
    return inventory, load_inventory(inventory).get("here")


def test_all_gathers_of_an_incident_go_in_one_run_split_back_per_job(tmp_path):
    from remediate.ansible_executor import AnsibleExecutor
    from remediate.gather import gather

    inventory, host = _local_host(tmp_path, services=["alpha", "beta"], service_manager="systemd")
    executor = AnsibleExecutor(tmp_path / "runs", inventory)
    actions = ["service_status", "check_disk", "check_memory"]
    gathered = gather(executor, CATALOG, actions, host, timeout=120)
    assert [(g.action, g.params) for g in gathered] == jobs_for(CATALOG, actions, host)
    assert len({g.execution.run_id for g in gathered}) == 1, "one ansible-playbook run"
    assert all(g.ok for g in gathered)
    assert gathered[0].text().startswith("status of alpha on here (systemd)")
    assert gathered[1].text().startswith("status of beta on here (systemd)")
    assert gathered[2].text().startswith("disk on here")
    assert gathered[3].text().startswith("memory on here")


def test_a_failing_play_falls_back_to_one_run_per_job(tmp_path):
    from remediate.ansible_executor import AnsibleExecutor
    from remediate.gather import gather

    # supervisord without supervisor_config: every service play fails its validation, and
    # Ansible leaves a failed host out of the plays after it; each job then runs on its own.
    inventory, host = _local_host(tmp_path, services=["alpha"], service_manager="supervisord")
    executor = AnsibleExecutor(tmp_path / "runs", inventory)
    gathered = gather(executor, CATALOG, ["service_status", "check_disk"], host, timeout=120)
    assert [g.action for g in gathered] == ["service_status", "check_disk"]
    assert len({g.execution.run_id for g in gathered}) == 2
    assert not gathered[0].ok and "service_status needs" in gathered[0].text()
    assert gathered[1].ok and gathered[1].text().startswith("disk on here")

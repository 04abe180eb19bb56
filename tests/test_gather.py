import pytest

from remediate.ansible_executor import AnsibleExecutor
from remediate.catalog import load_catalog
from remediate.config import PROJECT_ROOT
from remediate.errors import ConfigError
from remediate.evidence import read_facts
from remediate.gather import gather, jobs_for, observations_by_action
from remediate.inventory import inventory_from_hosts, load_inventory
from remediate.lab import Lab
from remediate.offline_planner import service_states

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


def test_host_facts_is_one_job_for_every_service():
    assert jobs_for(CATALOG, ["host_facts"], HOST) == [("host_facts", {})]


def test_host_facts_on_a_real_supervisord_host_reads_as_the_single_playbooks(tmp_path):
    """The supervisord lab (local connection): one run, its JSON turned into the texts the
    single playbooks print, which the planners' parsers read."""
    with Lab(tmp_path / "lab") as lab:
        lab.crash()
        host = load_inventory(lab.inventory_path).get("lab-web-01")
        [item] = gather(
            AnsibleExecutor(tmp_path / "runs"),
            load_catalog(PROJECT_ROOT / "playbooks" / "catalog.yaml"),
            ["host_facts"],
            host,
            timeout=60,
        )
    assert item.ok, item.execution.output
    assert item.execution.facts is not None
    assert "facts" in item.execution.facts and "raw" in item.execution.facts
    texts = observations_by_action([item])
    assert set(texts) == {
        "service_status",
        "collect_logs",
        "check_cpu",
        "check_memory",
        "check_disk",
    }
    assert "state: EXITED" in texts["service_status"]
    assert service_states(texts["service_status"], ["webapp"]) == {"webapp": "failed"}
    facts = read_facts(texts.values())
    assert facts.processes and facts.filesystems and facts.memory is not None
    assert "-> -1 (Request failed" in texts["service_status"]

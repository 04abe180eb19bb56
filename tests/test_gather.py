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

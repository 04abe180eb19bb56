"""The offline planner on the real starter KB, real LanceDB retrieval and the real guard."""

import pytest

from remediate.catalog import load_catalog
from remediate.config import PROJECT_ROOT
from remediate.decision import decide, new_sanitizer
from remediate.intake import normalize
from remediate.inventory import inventory_from_hosts
from remediate.kb import load_kb
from remediate.lancedb_index import KnowledgeIndex
from remediate.models import Decision
from remediate.offline_planner import OfflinePlanner
from remediate.sanitizer import Sanitizer

CATALOG = load_catalog(PROJECT_ROOT / "playbooks" / "catalog.yaml", syntax_check=False)
KB = load_kb(PROJECT_ROOT / "kb")
INVENTORY = inventory_from_hosts(
    {
        "srv-prod-04": {"address": "10.20.4.14", "services": ["nginx", "app-api"]},
        "worker-01": {
            "address": "10.20.6.21",
            "services": ["report-generator"],
            "killable": ["report-generato"],
        },
        "db-01": {"address": "10.20.9.2", "services": ["postgresql"]},
    }
)
DOWN = "nginx: ActiveState=active SubState=running\napp-api: ActiveState=failed SubState=failed"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    idx = KnowledgeIndex(tmp_path_factory.mktemp("idx"))
    idx.ingest(KB, Sanitizer().sanitize)
    return idx


def plan(index, host, observations, alert=None, fleet=1):
    alert = alert or {"server_id": host, "error_msg": "502 Bad Gateway - Connection Refused"}
    [parsed] = normalize(alert)
    return decide(
        parsed,
        INVENTORY.get(host),
        observations,
        catalog=CATALOG,
        inventory=INVENTORY,
        retrieve=lambda q: index.search(q, k=10),
        planner=OfflinePlanner(KB, CATALOG),
        names=new_sanitizer(INVENTORY, CATALOG, []),
        fleet_size=fleet,
    )


def test_crashed_upstream_is_restarted_with_citations(index):
    decided = plan(index, "srv-prod-04", {"service_status": DOWN})
    final = decided.final
    assert (final.decision, final.action, final.params) == (
        Decision.PROPOSE,
        "restart_service",
        {"service": "app-api"},
    )
    assert final.host == "srv-prod-04" and decided.planner_answer.host == "[HOST_1]"
    assert any(c.startswith("RB-") for c in final.citations)
    assert any(c.startswith("INC-") for c in final.citations), "a resolved ticket is cited"
    assert "fixed INC-" in final.rationale


def test_config_error_after_deploy_escalates(index):
    logs = (
        'nginx[812]: nginx: [emerg] unknown directive "proxy_passs" '
        "in /etc/nginx/conf.d/shop.conf:14"
    )
    decided = plan(index, "srv-prod-04", {"service_status": DOWN, "collect_logs": logs})
    assert decided.final.decision is Decision.ESCALATE
    assert "do not act" in decided.final.rationale


def test_fleet_wide_alert_escalates(index):
    assert (
        plan(index, "srv-prod-04", {"service_status": DOWN}, fleet=5).final.decision
        is Decision.ESCALATE
    )


def test_two_services_down_is_ambiguous_and_escalates(index):
    both = "nginx: ActiveState=failed SubState=failed\napp-api: ActiveState=failed SubState=failed"
    decided = plan(index, "srv-prod-04", {"service_status": both})
    assert decided.final.decision is Decision.ESCALATE
    assert "several services" in decided.final.rationale


def test_unrelated_alert_without_evidence_escalates(index):
    alert = {"server_id": "srv-prod-04", "error_msg": "Quarterly compliance report is overdue"}
    assert plan(index, "srv-prod-04", {}, alert=alert).final.decision is Decision.ESCALATE


def test_runaway_process_is_killed_but_never_a_protected_one(index):
    # ps shows the kernel's 15-character process name, which is what pgrep -x matches.
    alert = {"server_id": "worker-01", "error_msg": "HighCPUUsage: CPU usage above 95% for 15m"}
    ps = (
        "PID USER %CPU %MEM COMMAND\n"
        " 4711 batch  97.3  2.1 report-generato\n"
        "  812 root   1.0  0.1 sshd"
    )
    final = plan(index, "worker-01", {"check_cpu": ps}, alert=alert).final
    assert (final.action, final.params) == (
        "kill_process",
        {"process": "report-generato", "signal": "TERM"},
    )
    protected = (
        "PID USER %CPU %MEM COMMAND\n 2201 postgres 99.1 30.0 postgres\n  812 root 1.0 0.1 sshd"
    )
    final = plan(index, "worker-01", {"check_cpu": protected}, alert=alert).final
    assert final.decision is Decision.ESCALATE and final.action is None

import pytest

from remediate.catalog import load_catalog
from remediate.config import PROJECT_ROOT
from remediate.decision import new_sanitizer
from remediate.errors import PolicyViolation
from remediate.guard import guard
from remediate.inventory import inventory_from_hosts
from remediate.models import Citation, CitationKind, Decision, Proposal
from remediate.planning import PlanningContext, action_specs

CATALOG = load_catalog(PROJECT_ROOT / "playbooks" / "catalog.yaml", syntax_check=False)
INVENTORY = inventory_from_hosts(
    {
        "srv-prod-04": {
            "address": "10.20.4.14",
            "services": ["nginx", "app-api"],
            "killable": ["report-gen", "ffmpeg"],
        },
        "db-01": {"address": "10.20.9.2", "services": ["postgresql"]},
    }
)
CITED = [
    Citation(kind=CitationKind.RUNBOOK, id="RB-web-502", title="502", section="Remediation"),
    Citation(kind=CitationKind.TICKET, id="INC-4092", title="t", date="2026-03-12"),
]


@pytest.fixture
def names():
    sanitizer = new_sanitizer(INVENTORY, CATALOG, [])
    sanitizer.sanitize("alert on srv-prod-04; db-01 is fine")
    return sanitizer


@pytest.fixture
def context(names):
    return PlanningContext(
        alert_name="X",
        alert_status="firing",
        alert_text="x",
        host=names.sanitize("srv-prod-04"),
        host_services=["nginx", "app-api"],
        citations=CITED,
        actions=action_specs(CATALOG),
    )


def proposal(**changes):
    base = dict(
        decision=Decision.PROPOSE,
        action="restart_service",
        host="[HOST_1]",
        params={"service": "app-api"},
        rationale="r",
        citations=["RB-web-502#Remediation", "INC-4092"],
    )
    return Proposal(**{**base, **changes})


def check(p, context, names):
    return guard(
        p, context, catalog=CATALOG, inventory=INVENTORY, incident_host="srv-prod-04", names=names
    )


def test_valid_proposal_comes_back_in_real_names(context, names):
    final = check(proposal(), context, names)
    assert (final.host, final.params) == ("srv-prod-04", {"service": "app-api"})


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"action": "run_shell"}, "not in the catalog"),
        ({"action": "collect_logs", "params": {"service": "nginx"}}, "read-only"),
        ({"params": {"service": "nginx; rm -rf /"}}, "does not match"),
        ({"params": {"service": "postgresql"}}, "not listed under services of srv-prod-04"),
        ({"params": {}}, "missing parameter"),
        ({"params": {"service": "nginx", "force": True}}, "unknown parameter"),
        ({"host": "[HOST_2]"}, "not the host this alert is about"),
        ({"host": "[HOST_9]"}, "not a pseudonym of this incident"),
        ({"params": {"service": "[USER_3]"}}, r"\[USER_3\] is not a pseudonym of this incident"),
        ({"host": "[MAC_ADDRESS_1]"}, "not a pseudonym of this incident"),
        ({"host": "srv-prod-99"}, "not an inventory host"),
        ({"citations": ["INC-9999"]}, "not returned by retrieval"),
        ({"citations": []}, "must cite"),
        ({"action": "kill_process", "params": {"process": "sshd", "signal": "TERM"}}, "protected"),
        # kill_process is an allowlist per host: a name the host does not list is refused,
        # whatever it is (a ps display string, a shell, a JVM, a container shim).
        (
            {"action": "kill_process", "params": {"process": "postgres:", "signal": "TERM"}},
            "not listed under killable",
        ),
        ({"action": "kill_process", "params": {"process": "java"}}, "not listed under killable"),
        ({"action": "kill_process", "params": {"process": "bash"}}, "not listed under killable"),
        ({"action": "kill_process", "params": {"process": "runc"}}, "protected"),
        (
            {
                "action": "free_disk_space",
                "params": {"path": "/var/lib/postgresql", "older_than_days": 7},
            },
            "not one of",
        ),
        (
            {"action": "free_disk_space", "params": {"path": "/var/log", "older_than_days": 0}},
            "outside",
        ),
    ],
)
def test_unsafe_or_invented_proposals_are_refused(context, names, changes, reason):
    with pytest.raises(PolicyViolation, match=reason):
        check(proposal(**changes), context, names)


def test_a_listed_killable_process_passes(context, names):
    final = check(proposal(action="kill_process", params={"process": "report-gen"}), context, names)
    assert final.params == {"process": "report-gen", "signal": "TERM"}


def test_a_host_without_killable_processes_refuses_every_kill(names):
    inventory = inventory_from_hosts({"srv-prod-04": {"services": ["nginx"]}})
    context = PlanningContext(
        alert_name="X",
        alert_status="firing",
        alert_text="x",
        host=names.sanitize("srv-prod-04"),
        citations=CITED,
        actions=action_specs(CATALOG),
    )
    with pytest.raises(PolicyViolation, match="lists no killable"):
        guard(
            proposal(action="kill_process", params={"process": "report-gen"}),
            context,
            catalog=CATALOG,
            inventory=inventory,
            incident_host="srv-prod-04",
            names=names,
        )


def test_escalations_pass_but_may_not_smuggle_an_action(context, names):
    esc = Proposal(decision=Decision.ESCALATE, rationale="human", citations=["INC-4092"])
    assert check(esc, context, names) == esc
    with pytest.raises(PolicyViolation, match="carries no action"):
        check(esc.model_copy(update={"action": "restart_service"}), context, names)
    with pytest.raises(PolicyViolation, match="not returned by retrieval"):
        check(esc.model_copy(update={"citations": ["RB-made-up"]}), context, names)

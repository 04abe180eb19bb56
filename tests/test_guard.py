from pathlib import Path

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


# ---------------------------------------------------------------------- facts contradict
# Real captures from the systemd lab (tests/fixtures/systemd/COMMANDS.txt): whichever planner
# proposes it, a write the gathered facts contradict never comes out.

LAB = Path(__file__).resolve().parent / "fixtures" / "systemd"
LAB_INVENTORY = inventory_from_hosts(
    {
        "lab-sd-01": {
            "services": ["nginx", "webapp", "flapper"],
            "killable": ["runaway", "report-gen"],
        }
    }
)


def captured(state: str, *names: str) -> dict[str, str]:
    return {name: (LAB / state / f"{name}.txt").read_text() for name in names}


def lab_check(changes, observations, *, alert_text="x", labels=None):
    names = new_sanitizer(LAB_INVENTORY, CATALOG, [])
    host = names.sanitize("lab-sd-01")
    context = PlanningContext(
        alert_name="X",
        alert_status="firing",
        alert_text=alert_text,
        alert_labels=labels or {},
        host=host,
        host_services=["nginx", "webapp", "flapper"],
        killable=["runaway", "report-gen"],
        observations={k: names.sanitize(v) for k, v in observations.items()},
        citations=CITED,
        actions=action_specs(CATALOG),
    )
    return guard(
        proposal(host=host, **changes),
        context,
        catalog=CATALOG,
        inventory=LAB_INVENTORY,
        incident_host="lab-sd-01",
        names=names,
    )


def test_restart_of_a_service_the_facts_show_healthy_is_refused():
    healthy = captured("healthy", "systemctl_status", "journalctl_short")
    with pytest.raises(PolicyViolation, match=r"webapp active \(running\), no failure of it"):
        lab_check({"params": {"service": "webapp"}}, healthy, alert_text="502 Bad Gateway")
    # The same facts, but the alert is about webapp (hung, leaking): a human approves or not.
    final = lab_check({"params": {"service": "webapp"}}, healthy, labels={"job": "webapp"})
    assert final.params == {"service": "webapp"}


def test_restart_of_a_killed_service_passes():
    killed = captured("webapp_killed", "systemctl_status", "journalctl_short")
    final = lab_check({"params": {"service": "webapp"}}, killed, alert_text="502 Bad Gateway")
    assert (final.host, final.params) == ("lab-sd-01", {"service": "webapp"})


@pytest.mark.parametrize("source", ["systemctl_status", "journalctl_short", "journalctl_json"])
def test_restart_of_a_service_stopped_by_its_start_limit_is_refused(source):
    with pytest.raises(PolicyViolation, match="flapper stopped by its start limit"):
        lab_check(
            {"params": {"service": "flapper"}},
            captured("flapper_start_limit", source),
            labels={"name": "flapper.service"},
        )


def test_kill_of_a_listed_process_that_is_not_running_is_refused():
    ps = captured("runaway", "ps")
    with pytest.raises(PolicyViolation, match="running process named 'report-gen'"):
        lab_check({"action": "kill_process", "params": {"process": "report-gen"}}, ps)
    final = lab_check({"action": "kill_process", "params": {"process": "runaway"}}, ps)
    assert final.params == {"process": "runaway", "signal": "TERM"}


@pytest.mark.parametrize("labels", [{"mountpoint": "/var/log/app"}, {}])
def test_cleanup_on_another_filesystem_than_the_alerted_one_is_refused(labels):
    df = captured("log_dir_full", "df_P", "du")
    with pytest.raises(PolicyViolation, match="/var/log is on /, not on /var/log/app"):
        lab_check({"action": "free_disk_space", "params": {"path": "/var/log"}}, df, labels=labels)
    final = lab_check(
        {"action": "free_disk_space", "params": {"path": "/var/log/app"}}, df, labels=labels
    )
    assert final.params == {"path": "/var/log/app", "older_than_days": 7}


def test_restart_of_a_service_nothing_shows_failing_is_refused():
    """A disk alert with only df output: a restart of any listed service is a guess (a real
    proposal of the Gemma 3 270M model in benchmarks/results/local_llm_forced.md)."""
    df = captured("log_dir_full", "df_P")
    with pytest.raises(PolicyViolation, match="nothing gathered shows nginx failing"):
        lab_check({"params": {"service": "nginx"}}, df, alert_text="Disk /var/log/app 92% full")


def test_writes_without_their_evidence_are_refused():
    """What the real model proposed when forced to (benchmarks/results/local_llm_forced.md):
    a cleanup for a service alert, a kill with no process list."""
    status = captured("webapp_killed", "systemctl_status")
    with pytest.raises(PolicyViolation, match="shows a full filesystem holding /var/log"):
        lab_check({"action": "free_disk_space", "params": {"path": "/var/log"}}, status)
    with pytest.raises(PolicyViolation, match="running process named 'runaway'"):
        lab_check({"action": "kill_process", "params": {"process": "runaway"}}, status)


def test_a_cleanup_with_nothing_gathered_is_refused(context, names):
    """The real model's forced proposal for a RedisDown alert with no observations."""
    cleanup = proposal(action="free_disk_space", params={"path": "/tmp"})
    with pytest.raises(PolicyViolation, match="nothing gathered shows a full filesystem"):
        check(cleanup, context, names)

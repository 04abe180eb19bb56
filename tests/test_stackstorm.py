"""The pack's actions run for real, as StackStorm's python-script runner would run them.

Underneath: the demo lab (a supervisord-managed webapp), ansible-runner, LanceDB, SQLite.
``core.ask`` is StackStorm's; here its response is what an approver would have sent.
"""

import shutil
from pathlib import Path

import pytest
from jsonschema import ValidationError

from remediate import stackstorm
from remediate.lab import Lab
from st2_api import St2ApiStandIn
from stackstorm_runner import Workflow, run_action

ARTICLE = {"error_msg": "502 Bad Gateway - Connection Refused", "timestamp": "2026-11-20T09:14:02Z"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with Lab(tmp_path_factory.mktemp("lab")) as running:
        yield running


def pack_config(lab, state_dir: Path) -> dict:
    """A pack config as StackStorm hands it over: keys left out by the operator are None."""
    return {
        "inventory": str(lab.inventory_path),
        "state_dir": str(state_dir),
        "catalog": None,
        "llm": {"api_key": None, "model": "gpt-4o-mini"},
        "approval": {"users": ["alice"], "roles": ["sre"], "ttl": 30, "route": "remediate"},
    }


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, lab):
    state = tmp_path_factory.mktemp("st2-index")
    ok, result = run_action("kb_ingest", pack_config(lab, state))
    assert ok, result
    assert result["rows"] > 0 and Path(result["index"]).is_dir()
    return Path(result["index"])


@pytest.fixture
def config(lab, tmp_path, index_dir):
    state = tmp_path / "state"
    state.mkdir()
    shutil.copytree(index_dir, state / "lancedb")
    yield pack_config(lab, state)
    lab.recover()


@pytest.fixture(scope="module")
def st2():
    with St2ApiStandIn() as api:
        yield api


class WorkflowRun:
    """The tasks of one ``remediate_alert`` workflow execution, run one at a time as its
    tasks would be, with the ``core.ask`` answer recorded as StackStorm records it."""

    def __init__(self, st2, config) -> None:
        self.st2, self.config = st2, config
        self.id = st2.record("remediate.remediate_alert", parent=None)

    def run(self, name, **params):
        return run_action(name, self.config, st2=self.st2, parent=self.id, **params)

    def ask(self, proposal, response, *, users=("alice",), status="succeeded") -> str:
        schema = {"title": proposal["title"], "description": proposal["request"]}
        result = {"schema": schema, "users": list(users), "roles": [], "route": "remediate"}
        return self.st2.record(
            "core.ask",
            parent=self.id,
            status=status,
            parameters={"schema": schema},
            result={**result, "ttl": 30, "response": response},
        )


def investigate_crash(lab, config, st2, **alert) -> tuple[WorkflowRun, dict]:
    lab.crash()
    flow = WorkflowRun(st2, config)
    ok, result = flow.run("alert_investigate", alert={"server_id": lab.host, **ARTICLE, **alert})
    assert ok, result
    assert result["decision"] == "propose", result["incidents"]
    return flow, result


def execute(flow, found, response=None, **kw):
    return (kw.pop("runner", None) or flow.run)(
        "proposal_execute",
        incident_id=found["incident_id"],
        proposal_hash=kw.pop("proposal_hash", found["proposal"]["binding_hash"]),
        response=response or {"approved": True},
        **kw,
    )


def test_from_alert_to_verified_fix_through_the_actions(lab, config, st2):
    flow, found = investigate_crash(lab, config, st2)
    proposal = found["proposal"]
    assert (proposal["playbook"], proposal["parameters"], proposal["targets"]) == (
        "restart_service",
        {"service": lab.service},
        [lab.host],
    )
    assert proposal["citations"] and "would restart" in proposal["dry_run"].lower()
    assert found["approval"] == {
        "users": ["alice"],
        "roles": ["sre"],
        "route": "remediate",
        "ttl": 30,
    }
    assert not lab.is_healthy(), "investigating changes nothing"

    # The route gets everything an approver needs, with the st2 command that answers.
    ok, note = flow.run("incident_notify", incident_id=found["incident_id"], route="remediate")
    assert ok, note
    message = note["message"]
    for needle in [
        "restart_service(service=webapp)",
        lab.host,
        proposal["binding_hash"],
        proposal["citations"][0].split(":")[0],
        "would restart",
        "st2 inquiry respond",
        '"approved": true',
    ]:
        assert needle.lower() in message.lower(), needle
    assert Path(note["path"]).read_text().count("restart_service") >= 1

    # StackStorm's inquiry trigger carries an id and a route; the rule's action finds the
    # workflow that asked through the API and shows that proposal and no other.
    ask_id = flow.ask(proposal, {"approved": True, "comment": "go"})
    ok, inquiry_note = run_action(
        "inquiry_notify", config, st2=st2, inquiry_id=ask_id, route="remediate"
    )
    assert ok, inquiry_note
    assert f"st2 inquiry respond {ask_id}" in inquiry_note["message"]
    assert found["incident_id"] in inquiry_note["message"] and inquiry_note["waiting"] == 1

    ok, done = execute(flow, found, {"approved": True, "comment": "go"})
    assert ok, done
    assert done["status"] == "verified" and done["verified"] is True
    assert lab.is_healthy()

    ok, shown = flow.run("incident_get", incident_id=found["incident_id"])
    assert ok and shown["incident"]["status"] == "verified"
    [inquiry] = shown["inquiries"]
    # StackStorm does not record who answered: the record names the core.ask that approved.
    assert (inquiry["status"], inquiry["responder"]) == ("succeeded", f"core.ask {ask_id}")
    assert f"approved by core.ask {ask_id} (stackstorm) — go" in shown["text"]

    # The approval is spent: the same response cannot run the playbook a second time.
    lab.crash()
    ok, again = execute(flow, found)
    assert not ok and again["kind"] == "InquiryNotPending"
    assert not lab.is_healthy()


def test_proposal_execute_needs_the_investigating_workflows_own_approving_ask(lab, config, st2):
    """Knowing the binding hash (printed in every approval message) is not enough."""
    flow, found = investigate_crash(lab, config, st2)
    proposal = found["proposal"]

    def direct(name, **kw):  # `st2 run remediate.proposal_execute …`: no parent workflow
        return run_action(name, config, st2=st2, **kw)

    def outside(name, **kw):  # not even inside StackStorm
        return run_action(name, config, **kw)

    other = WorkflowRun(st2, config)  # another workflow, with an approving ask of its own
    other.ask(proposal, {"approved": True})
    refusals = [(direct, "run directly"), (outside, "not running inside StackStorm")]
    refusals.append((other.run, "investigated by"))
    for runner, reason in refusals:
        ok, result = execute(flow, found, runner=runner)
        assert not ok and result["kind"] == "ApprovalMismatch" and reason in result["error"]
    # The investigating workflow itself, but its ask is still open, was for another binding,
    # or let anyone answer.
    ok, result = execute(flow, found)
    assert not ok and "no core.ask" in result["error"], result
    flow.ask(proposal, {"approved": True}, status="pending")
    flow.ask({**proposal, "request": "binding: " + "0" * 64}, {"approved": True})
    ok, result = execute(flow, found)
    assert not ok and "no core.ask" in result["error"], result
    flow.ask(proposal, {"approved": True}, users=())
    ok, result = execute(flow, found)
    assert not ok and "let anyone answer" in result["error"], result
    assert not lab.is_healthy()
    ok, shown = flow.run("incident_get", incident_id=found["incident_id"])
    assert shown["incident"]["status"] == "awaiting_approval"
    assert shown["inquiries"][0]["status"] == "pending", "nothing was recorded"


def test_execute_refuses_anything_but_an_approval_of_this_proposal(lab, config, st2):
    flow, found = investigate_crash(lab, config, st2)
    incident_id, binding = found["incident_id"], found["proposal"]["binding_hash"]
    ok, result = execute(flow, found, proposal_hash="0" * 64)
    assert not ok and result["kind"] == "ApprovalMismatch"
    flow.ask(found["proposal"], {"approved": False, "comment": "not now"})
    ok, result = execute(flow, found)
    assert not ok and result["kind"] == "ApprovalMismatch", "a rejecting ask approves nothing"
    assert not lab.is_healthy()

    ok, closed = flow.run(
        "proposal_close",
        incident_id=incident_id,
        proposal_hash=binding,
        reason="rejected",
        response={"approved": False, "comment": "not now"},
    )
    assert ok and closed["status"] == "rejected", closed
    flow.ask(found["proposal"], {"approved": True})  # an approval that came too late
    ok, late = execute(flow, found)
    assert not ok and late["kind"] == "InquiryNotPending"
    assert not lab.is_healthy()
    ok, shown = flow.run("incident_get", incident_id=incident_id)
    assert ok and "rejected by core.ask" in shown["text"] and "not now" in shown["text"]


def test_a_timed_out_ask_expires_the_proposal(lab, config, st2):
    flow, found = investigate_crash(lab, config, st2)
    incident_id, binding = found["incident_id"], found["proposal"]["binding_hash"]
    params = {"incident_id": incident_id, "proposal_hash": binding, "reason": "expired"}
    ok, refused = run_action("proposal_close", config, st2=st2, **params)
    assert not ok and refused["kind"] == "ApprovalMismatch", "only its own workflow expires it"
    ok, closed = flow.run("proposal_close", **params)
    assert ok and closed["status"] == "expired", closed
    flow.ask(found["proposal"], {"approved": True})  # an answer that came too late
    ok, late = execute(flow, found)
    assert not ok and late["kind"] == "InquiryNotPending"
    assert not lab.is_healthy()
    ok, nothing = run_action("inquiry_notify", config, st2=st2, inquiry_id="x", route="remediate")
    assert not ok and nothing["kind"] == "NotFound"


def test_an_inquiry_message_shows_only_its_own_proposal(lab, config, st2):
    first_flow, first = investigate_crash(lab, config, st2)
    lab.recover()
    _, second = investigate_crash(lab, config, st2, error_msg="503 Service Unavailable")
    assert first["incident_id"] != second["incident_id"]
    ask_id = first_flow.ask(first["proposal"], {"approved": False})
    ok, note = run_action("inquiry_notify", config, st2=st2, inquiry_id=ask_id, route="remediate")
    assert ok and first["incident_id"] in note["message"]
    assert second["incident_id"] not in note["message"]


def test_unknown_host_escalates_and_the_route_hears_why(config):
    ok, result = run_action("alert_investigate", config, alert={"server_id": "db-07", **ARTICLE})
    assert ok and result["decision"] == "escalate" and result["proposal"] is None
    ok, note = run_action(
        "incident_notify", config, incident_id=result["incident_id"], route="remediate"
    )
    assert ok and "not in the inventory" in note["message"]


def test_bad_input_fails_the_action_with_a_clear_message(lab, config):
    ok, result = run_action("alert_investigate", config, alert={"server_id": lab.host})
    assert not ok and result["kind"] == "AlertFormatError" and "Traceback" not in result["error"]
    ok, result = run_action("alert_investigate", {**config, "planner": "magic"}, alert=ARTICLE)
    assert not ok and result["kind"] == "ConfigError"
    ok, result = run_action("incident_get", config, incident_id="RMD-19700101-000000")
    assert not ok and result["kind"] == "NotFound"
    # StackStorm refuses a parameter outside the action's enum before running anything ...
    with pytest.raises(ValidationError):
        run_action("proposal_close", config, incident_id="RMD-1", proposal_hash="x", reason="bored")
    # ... and the service refuses it too when called another way.
    ok, result = stackstorm.call(
        config, stackstorm.close_proposal, incident_id="RMD-1", proposal_hash="x", reason="bored"
    )
    assert not ok and result["kind"] == "InvalidResponse"


# ---------------------------------------------------------------------- the workflow

WORKFLOW = Path(__file__).resolve().parents[1] / "actions" / "workflows" / "remediate_alert.yaml"


def webhook_body(lab) -> dict:
    """What Alertmanager posts and the rule passes on as ``{{ trigger.body }}``."""
    alert = {
        "status": "firing",
        "labels": {"alertname": "WebappDown", "instance": f"{lab.host}:80", "severity": "page"},
        "annotations": {"summary": "webapp answers 502 Bad Gateway - Connection Refused"},
        "startsAt": "2026-11-20T09:14:02Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": "3f2a1b0c9d8e7f60",
    }
    return {
        "version": "4",
        "status": "firing",
        "receiver": "stackstorm",
        "groupKey": '{}:{alertname="WebappDown"}',
        "groupLabels": {"alertname": "WebappDown"},
        "commonLabels": alert["labels"],
        "commonAnnotations": alert["annotations"],
        "externalURL": "http://alertmanager:9093",
        "alerts": [alert],
    }


@pytest.mark.parametrize(
    ("response", "path", "outcome", "healthy"),
    [
        ({"approved": True, "comment": "go"}, ["execute"], "verified", True),
        ({"approved": False, "comment": "not now"}, ["record_rejection"], "rejected", False),
        (None, ["record_expiry"], "expired", False),
    ],
    ids=["approved", "rejected", "timed-out"],
)
def test_the_workflow_from_webhook_to_outcome(lab, config, st2, response, path, outcome, healthy):
    lab.crash()
    flow = Workflow(WORKFLOW, config, ask_response=response, st2=st2)
    output = flow.run(alert=webhook_body(lab))
    assert flow.trace == ["investigate", "notify_proposal", "ask", *path, "notify_outcome"]
    assert flow.status == "succeeded" and output["outcome"] == outcome
    assert lab.is_healthy() is healthy
    ask = flow.states["ask"]["result"]
    if response is not None:
        assert ask["users"] == ["alice"] and ask["ttl"] == 30 and ask["route"] == "remediate"
        assert "restart_service" in ask["schema"]["title"]
        assert "st2 inquiry respond" in ask["schema"]["description"]
    ok, shown = run_action("incident_get", config, incident_id=output["incident_id"])
    assert ok and shown["incident"]["status"] == outcome


def test_the_workflow_escalates_what_it_cannot_fix(config, st2):
    flow = Workflow(WORKFLOW, config, ask_response={"approved": True}, st2=st2)
    output = flow.run(alert={"server_id": "db-07", **ARTICLE})
    assert flow.trace == ["investigate", "notify_escalation"]
    assert flow.status == "succeeded" and output["outcome"] == "escalated"


def test_the_workflow_fails_on_a_malformed_alert(config, st2):
    flow = Workflow(WORKFLOW, config, ask_response={"approved": True}, st2=st2)
    flow.run(alert={"status": "firing", "alerts": "not a list"})
    assert flow.trace == ["investigate"] and flow.status == "failed"

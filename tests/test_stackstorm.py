"""The pack's actions run for real, as StackStorm's python-script runner would run them.

Underneath: the demo lab (a supervisord-managed webapp), ansible-runner, LanceDB, SQLite.
``core.ask`` is StackStorm's; here its response is what an approver would have sent.
"""

from pathlib import Path

import pytest
from jsonschema import ValidationError

from remediate import stackstorm
from remediate.lab import Lab
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
    (state / "lancedb").symlink_to(index_dir)
    yield pack_config(lab, state)
    lab.recover()


def investigate_crash(lab, config) -> dict:
    lab.crash()
    ok, result = run_action("alert_investigate", config, alert={"server_id": lab.host, **ARTICLE})
    assert ok, result
    assert result["decision"] == "propose", result["incidents"]
    return result


def assert_a_late_approval_is_refused(config, incident_id: str, binding: str) -> None:
    """Once the proposal is closed, even an approving answer for its hash executes nothing."""
    ok, late = run_action(
        "proposal_execute",
        config,
        incident_id=incident_id,
        proposal_hash=binding,
        response={"approved": True},
    )
    assert not ok and late["kind"] == "InquiryNotPending"


def test_from_alert_to_verified_fix_through_the_actions(lab, config):
    found = investigate_crash(lab, config)
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
    ok, note = run_action(
        "incident_notify", config, incident_id=found["incident_id"], route="remediate"
    )
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

    # StackStorm's inquiry trigger carries an id and a route; the rule's action adds the rest.
    ok, inquiry_note = run_action(
        "inquiry_notify", config, inquiry_id="65a1f0c2e4b0a1b2c3d4e5f6", route="remediate"
    )
    assert ok, inquiry_note
    assert "st2 inquiry respond 65a1f0c2e4b0a1b2c3d4e5f6" in inquiry_note["message"]
    assert found["incident_id"] in inquiry_note["message"] and inquiry_note["waiting"] == 1

    ok, done = run_action(
        "proposal_execute",
        config,
        incident_id=found["incident_id"],
        proposal_hash=proposal["binding_hash"],
        response={"approved": True, "comment": "go"},
    )
    assert ok, done
    assert done["status"] == "verified" and done["verified"] is True
    assert lab.is_healthy()

    ok, shown = run_action("incident_get", config, incident_id=found["incident_id"])
    assert ok and shown["incident"]["status"] == "verified"
    [inquiry] = shown["inquiries"]
    assert (inquiry["status"], inquiry["responder"]) == ("succeeded", "stackstorm")
    assert "approved by stackstorm — go" in shown["text"]

    # The approval is spent: the same response cannot run the playbook a second time.
    lab.crash()
    ok, again = run_action(
        "proposal_execute",
        config,
        incident_id=found["incident_id"],
        proposal_hash=proposal["binding_hash"],
        response={"approved": True},
    )
    assert not ok and again["kind"] == "InquiryNotPending"
    assert not lab.is_healthy()


def test_execute_refuses_anything_but_an_approval_of_this_proposal(lab, config):
    found = investigate_crash(lab, config)
    incident_id, binding = found["incident_id"], found["proposal"]["binding_hash"]
    refusals = [
        (binding, {"approved": False}, "ApprovalMismatch"),
        (binding, {"comment": "looks fine"}, "ApprovalMismatch"),
        ("0" * 64, {"approved": True}, "ApprovalMismatch"),
        (binding, {"approved": True, "run_also": "rm -rf /"}, "InvalidResponse"),
    ]
    for proposal_hash, response, kind in refusals:
        ok, result = run_action(
            "proposal_execute",
            config,
            incident_id=incident_id,
            proposal_hash=proposal_hash,
            response=response,
        )
        assert not ok and result["kind"] == kind, (response, result)
    assert not lab.is_healthy()

    ok, closed = run_action(
        "proposal_close",
        config,
        incident_id=incident_id,
        proposal_hash=binding,
        reason="rejected",
        response={"approved": False, "comment": "not now"},
    )
    assert ok and closed["status"] == "rejected", closed
    assert_a_late_approval_is_refused(config, incident_id, binding)
    assert not lab.is_healthy()
    ok, shown = run_action("incident_get", config, incident_id=incident_id)
    assert ok and "rejected by stackstorm — not now" in shown["text"]


def test_a_timed_out_ask_expires_the_proposal(lab, config):
    found = investigate_crash(lab, config)
    incident_id, binding = found["incident_id"], found["proposal"]["binding_hash"]
    ok, closed = run_action(
        "proposal_close", config, incident_id=incident_id, proposal_hash=binding, reason="expired"
    )
    assert ok and closed["status"] == "expired", closed
    assert_a_late_approval_is_refused(config, incident_id, binding)
    assert not lab.is_healthy()
    ok, nothing = run_action("inquiry_notify", config, inquiry_id="x", route="remediate")
    assert not ok and nothing["kind"] == "NotFound"


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
def test_the_workflow_from_webhook_to_outcome(lab, config, response, path, outcome, healthy):
    lab.crash()
    flow = Workflow(WORKFLOW, config, ask_response=response)
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


def test_the_workflow_escalates_what_it_cannot_fix(config):
    flow = Workflow(WORKFLOW, config, ask_response={"approved": True})
    output = flow.run(alert={"server_id": "db-07", **ARTICLE})
    assert flow.trace == ["investigate", "notify_escalation"]
    assert flow.status == "succeeded" and output["outcome"] == "escalated"


def test_the_workflow_fails_on_a_malformed_alert(config):
    flow = Workflow(WORKFLOW, config, ask_response={"approved": True})
    flow.run(alert={"status": "firing", "alerts": "not a list"})
    assert flow.trace == ["investigate"] and flow.status == "failed"

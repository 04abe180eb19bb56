"""The pipeline on real parts: a supervisord lab host, ansible-runner, LanceDB, SQLite."""

import json
import re
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from command import remediate
from remediate.config import load_settings
from remediate.errors import (
    AlertFormatError,
    ApprovalMismatch,
    BindingChanged,
    ResponderNotAllowed,
)
from remediate.lab import Lab
from remediate.models import Decision, IncidentStatus, InquiryStatus
from remediate.pipeline import Engine

ARTICLE = {"error_msg": "502 Bad Gateway - Connection Refused", "timestamp": "2026-11-20T09:14:02Z"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with Lab(tmp_path_factory.mktemp("lab")) as running:
        yield running


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, lab):
    state = tmp_path_factory.mktemp("shared-index")
    engine = make_engine(lab, state)
    engine.ingest()
    return engine.settings.index_dir


def make_engine(lab, state_dir, **approval):
    settings = load_settings(
        env={},
        overrides={
            "inventory": str(lab.inventory_path),
            "state_dir": str(state_dir),
            "approval": {
                "users": ["alice"],
                "roles": ["sre"],
                "role_members": {"sre": ["bob"]},
                "ttl": 30,
                **approval,
            },
        },
    )
    return Engine(settings)


@pytest.fixture
def engine(lab, tmp_path, index_dir):
    eng = make_engine(lab, tmp_path / "state")
    shutil.copytree(index_dir, eng.settings.state_dir / "lancedb")
    yield eng
    lab.recover()


def crashed_alert(lab, engine, **changes):
    lab.crash()
    assert not lab.is_healthy()
    [outcome] = engine.investigate({"server_id": lab.host, **ARTICLE, **changes})
    return outcome


def test_alert_to_verified_fix(lab, engine):
    outcome = crashed_alert(lab, engine)
    incident = outcome.incident
    assert incident.status is IncidentStatus.AWAITING_APPROVAL, incident.escalation_reason
    proposal = incident.proposal
    assert (proposal.action, proposal.host, proposal.params) == (
        "restart_service",
        lab.host,
        {"service": lab.service},
    )
    assert proposal.citations and all(
        any(ref in (c.ref, c.id) for c in incident.citations) for ref in proposal.citations
    )
    assert lab.host not in proposal.rationale, "what is stored is sanitized"
    shown = engine.display(incident).proposal.rationale
    assert "[HOST_" not in shown and lab.host in shown, "people see real names"
    # The dry run ran in check mode: it described the restart and did not perform it.
    assert outcome.dry_run.check_mode and "would restart" in outcome.dry_run.output.lower()
    assert not lab.is_healthy()
    observations = engine.store.observations(incident.id)
    assert {o.action for o in observations} >= {"service_status", "collect_logs"}
    assert all(lab.host not in o.text for o in observations), "stored observations are sanitized"

    done = engine.respond(outcome.inquiry.id, {"approved": True, "comment": "go"}, user="alice")
    assert done.incident.status is IncidentStatus.VERIFIED
    assert lab.is_healthy()
    inquiry = engine.store.get_inquiry(outcome.inquiry.id)
    assert (inquiry.status, inquiry.responder) == (InquiryStatus.SUCCEEDED, "alice")
    runs = engine.store.executions(incident.id)
    writes = [r for r in runs if not r.check_mode and r.action == "restart_service"]
    assert len(writes) == 1 and writes[0].status.value == "successful"
    steps = [e.status for e in engine.store.timeline(incident.id)]
    for expected in [
        IncidentStatus.RECEIVED,
        IncidentStatus.INVESTIGATING,
        IncidentStatus.PROPOSED,
        IncidentStatus.AWAITING_APPROVAL,
        IncidentStatus.APPROVED,
        IncidentStatus.EXECUTING,
        IncidentStatus.VERIFIED,
    ]:
        assert expected in steps
    email = next(d for d in engine.store.drafts(incident.id) if d["kind"] == "email")
    assert incident.id in email["subject"] and "alice" in email["body"]
    assert Path(email["path"]).read_text().startswith("Subject:")
    assert any(c.id in email["body"] for c in incident.citations)


def test_rejection_runs_nothing(lab, engine):
    outcome = crashed_alert(lab, engine)
    with pytest.raises(ResponderNotAllowed):
        engine.respond(outcome.inquiry.id, {"approved": True}, user="mallory")
    done = engine.respond(outcome.inquiry.id, {"approved": False, "comment": "not now"}, user="bob")
    assert done.incident.status is IncidentStatus.REJECTED
    assert not lab.is_healthy()
    assert all(r.check_mode for r in engine.store.executions(outcome.incident.id))
    with pytest.raises(ApprovalMismatch):
        engine.execute(outcome.incident.id)


def test_an_approval_cannot_run_another_proposal(lab, engine):
    outcome = crashed_alert(lab, engine)
    engine.respond(outcome.inquiry.id, {"approved": True}, user="alice", execute=False)
    incident = engine.store.get_incident(outcome.incident.id)
    swapped = incident.proposal.model_copy(update={"params": {"service": "other"}})
    db = sqlite3.connect(engine.settings.database)
    db.execute(
        "UPDATE incidents SET body=? WHERE id=?",
        (incident.model_copy(update={"proposal": swapped}).model_dump_json(), incident.id),
    )
    db.commit()
    with pytest.raises(BindingChanged, match="params"):
        engine.execute(incident.id)
    assert engine.store.get_incident(incident.id).status is IncidentStatus.ESCALATED
    assert not lab.is_healthy()
    assert all(r.check_mode for r in engine.store.executions(incident.id))


def test_a_host_variable_changed_after_approval_runs_nothing(lab, engine):
    """The supervisorctl path is a host variable: changed after the inquiry opened, the old
    approval must not run the substituted binary."""
    outcome = crashed_alert(lab, engine)
    engine.respond(outcome.inquiry.id, {"approved": True}, user="alice", execute=False)
    original = lab.inventory_path.read_text()
    planted = lab.directory / "evil-supervisorctl"
    planted.write_text("#!/bin/sh\necho pwned > " + str(lab.directory / "pwned") + "\n")
    planted.chmod(0o755)
    try:
        lab.inventory_path.write_text(
            original.replace(str(Path(sys.executable).with_name("supervisorctl")), str(planted))
        )
        assert str(planted) in lab.inventory_path.read_text()
        with pytest.raises(BindingChanged, match="host_vars"):
            engine.execute(outcome.incident.id)
    finally:
        lab.inventory_path.write_text(original)
    incident = engine.store.get_incident(outcome.incident.id)
    assert incident.status is IncidentStatus.ESCALATED
    assert "changed since it was given" in incident.escalation_reason
    assert not (lab.directory / "pwned").exists() and not lab.is_healthy()
    drafts = engine.store.drafts(incident.id)
    assert any(d["kind"] == "email" and "escalated" in d["subject"].lower() for d in drafts)


def test_identical_proposals_on_two_incidents_have_different_bindings(lab, engine):
    first = crashed_alert(lab, engine)
    other = first.incident.model_copy(update={"id": "RMD-x"})
    assert other.nonce == first.incident.nonce  # a copy; a new incident draws its own
    from remediate.models import Incident

    fresh = Incident(id="RMD-y", alert=first.incident.alert)
    assert fresh.nonce != first.incident.nonce
    assert first.incident.binding.nonce == first.incident.nonce


def test_unknown_host_escalates_without_running_anything(engine):
    [outcome] = engine.investigate({"server_id": "db-07", **ARTICLE})
    assert outcome.incident.status is IncidentStatus.ESCALATED
    assert "not in the inventory" in outcome.incident.escalation_reason
    assert engine.store.executions(outcome.incident.id) == []
    assert any(d["kind"] == "email" for d in engine.store.drafts(outcome.incident.id))


def test_resolved_alert_proposes_nothing(lab, engine):
    body = {
        "version": "4",
        "status": "resolved",
        "alerts": [
            {
                "status": "resolved",
                "labels": {"alertname": "WebappDown", "instance": f"{lab.host}:80"},
                "annotations": {"summary": "webapp is back"},
                "startsAt": "2026-11-20T09:14:02Z",
                "endsAt": "2026-11-20T09:20:00Z",
            }
        ],
    }
    [outcome] = engine.investigate(json.dumps(body))
    assert outcome.incident.status is IncidentStatus.CLOSED
    assert outcome.incident.proposal is None


def test_bad_input_leaves_no_incident(engine):
    for payload in ['{"server_id": "x"', '{"server_id": "lab-web-01"}', "x" * 6_000_000]:
        with pytest.raises(AlertFormatError):
            engine.investigate(payload)
    assert engine.store.list_incidents() == []


def test_duplicate_notifications_do_not_open_a_second_incident(lab, engine):
    first = crashed_alert(lab, engine)
    [again] = engine.investigate({"server_id": lab.host, **ARTICLE})
    assert again.duplicate and again.incident.id == first.incident.id
    assert len(engine.store.list_incidents()) == 1
    assert Decision.PROPOSE.value == first.incident.proposal.decision.value


def test_demo_command_runs_end_to_end():
    proc = remediate("demo", timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for needle in ["restart_service", "inquiry respond", "verified", "Subject:", "demo passed"]:
        assert needle in proc.stdout, needle


def test_llm_planner_end_to_end_sees_only_pseudonyms(lab, tmp_path, index_dir, llm_server):
    from llm_server import FromRequest, ToolCall

    engine = make_engine(lab, tmp_path / "state")
    shutil.copytree(index_dir, engine.settings.state_dir / "lancedb")
    engine.settings.planner = "llm"
    engine.settings.llm.base_url = llm_server.base_url
    # The script answers in order: no protocol probe, instructions as a system message.
    engine.settings.llm.protocol = "prompt"
    engine.settings.llm.system_role = "system"

    def answer(body):
        """As a model would: restart the listed service, citing a runbook it was given that
        recommends a restart (retrieval decides which; the citation must be one of them)."""
        context = json.loads(body["messages"][1]["content"])
        cited = next(c["ref"] for c in context["citations"] if c.get("action") == "restart_service")
        return json.dumps(
            {
                "decision": "propose",
                "action": "restart_service",
                "host": "[HOST_1]",
                "params": {"service": lab.service},
                "rationale": "webapp on [HOST_1] is EXITED and the proxy answers 502",
                "citations": [cited],
            }
        )

    llm_server.script([ToolCall("collect_logs", {"service": lab.service})], FromRequest(answer))
    try:
        outcome = crashed_alert(lab, engine)
    finally:
        lab.recover()
    incident = outcome.incident
    assert incident.status is IncidentStatus.AWAITING_APPROVAL, incident.escalation_reason
    assert incident.proposal.planner == "llm" and incident.proposal.host == lab.host
    shown = engine.display(incident).proposal.rationale
    assert "webapp on lab-web-01" in shown, "people read real names"
    sent = json.dumps([r.body for r in llm_server.requests])
    assert "[HOST_1]" in sent and lab.host not in sent
    audit = [d for d in engine.store.drafts(incident.id) if d["kind"] == "planner-transcript"]
    assert audit and lab.host not in audit[0]["body"] and "[HOST_1]" in audit[0]["body"]


def test_a_human_answers_with_the_cli(lab, tmp_path, index_dir):
    import getpass

    import yaml

    config = tmp_path / "remediate.yaml"
    state = tmp_path / "state"
    config.write_text(
        yaml.safe_dump(
            {
                "inventory": str(lab.inventory_path),
                "state_dir": str(state),
                "approval": {"users": ["alice"], "identities": {getpass.getuser(): "alice"}},
            }
        )
    )
    state.mkdir()
    shutil.copytree(index_dir, state / "lancedb")
    lab.crash()
    try:
        alert = json.dumps({"server_id": lab.host, **ARTICLE})

        def cli(*args, **kw):
            return remediate("--config", str(config), *args, **kw)

        investigated = cli("investigate", "-", stdin=alert)
        assert investigated.returncode == 0, investigated.stderr
        [inquiry_id] = re.findall(r"inquiry (inq-[0-9a-f]+) is waiting", investigated.stdout)
        shown = cli("inquiry", "show", inquiry_id)
        assert "restart_service(service=webapp)" in shown.stdout and "Plan" in shown.stdout
        refused = cli("inquiry", "respond", inquiry_id, "--approve", "--as", "mallory")
        assert refused.returncode == 4 and "break-glass" in refused.stderr
        answered = cli("inquiry", "respond", inquiry_id, "--approve", "--comment", "ok")
        assert answered.returncode == 0, answered.stderr
        assert "verified" in answered.stdout and lab.is_healthy()
        [incident_id] = re.findall(r"incident (RMD-\S+):", answered.stdout)
        timeline = cli("incident", "show", incident_id)
        assert "approved by alice — ok" in timeline.stdout
    finally:
        lab.recover()


def test_a_verified_fix_is_learned_and_cited_by_the_next_similar_alert(lab, tmp_path):
    engine = make_engine(lab, tmp_path / "state")
    engine.ingest()
    tracked = sorted(p.name for p in (engine.settings.kb / "incidents").iterdir())
    try:
        first = crashed_alert(lab, engine)
        done = engine.respond(first.inquiry.id, {"approved": True}, user="alice")
        assert done.incident.status is IncidentStatus.VERIFIED
        learned = [e for e in engine.store.timeline(first.incident.id) if e.step == "learned"]
        assert len(learned) == 1
        ticket_id = learned[0].detail.split()[0]
        path = engine.settings.learned_dir / f"{ticket_id}.yaml"
        text = path.read_text()
        assert lab.host not in text and "[HOST_" in text, "a learned ticket is sanitized"
        assert sorted(p.name for p in (engine.settings.kb / "incidents").iterdir()) == tracked

        # The same alert fires again later (a new startsAt): a new incident, linked.
        second = crashed_alert(lab, engine, timestamp="2026-11-21T10:00:00Z")
        assert second.incident.previous_id == first.incident.id
        proposal = engine.display(second.incident).proposal
        assert proposal is not None and ticket_id in proposal.citations, proposal.citations
        today = second.incident.created_at.date().isoformat()
        assert f"{ticket_id} on {today}" in proposal.rationale
        cited = next(c for c in second.incident.citations if c.id == ticket_id)
        assert cited.date == today and cited.source == str(path)
    finally:
        lab.recover()


def test_nothing_secret_at_rest_after_a_full_run(lab, tmp_path):
    """Canaries planted in the service's log, in the alert's annotations and labels, and in
    the environment of every process: after intake, gather, proposal, dry run, approval,
    restart, verification, e-mail, learning and indexing, no file under the state directory
    holds any of them, and every file there is private."""
    import os
    import stat as st

    from lab_cli import build_index, cli, write_config

    canaries = {
        "env": "sk-canaryENV" + "q7Rw2Lx9" * 3,
        "log": "CanaryLogPw" + "8Hn3vQ",
        "bearer": "canaryBearer" + "Zt5mK2pX9wQ4" * 2,
        "annotation": "CanaryAnnot" + "4Jd9sW",
        "label": "canaryLabelTok" + "x7Kp2Qm9Vb3N",
    }
    os.environ["OPENAI_API_KEY"] = canaries["env"]  # every CLI process below inherits it
    log = lab.directory / f"{lab.service}.out.log"
    with log.open("a") as out:
        out.write(
            f"2026-11-20T09:14:00+00:00 {lab.service} ERROR db connect failed "
            f"user=app password={canaries['log']}\n"
            f"2026-11-20T09:14:01+00:00 {lab.service} upstream call with "
            f"Authorization: Bearer {canaries['bearer']}\n"
        )
    config = write_config(lab, tmp_path / "run", build_index(lab, tmp_path / "index"))
    body = {
        "version": "4",
        "status": "firing",
        "groupKey": '{}:{alertname="WebappDown"}',
        "alerts": [
            {
                "status": "firing",
                "labels": {
                    "alertname": "WebappDown",
                    "instance": f"{lab.host}:80",
                    "api_key": canaries["label"],
                },
                "annotations": {
                    "summary": "webapp answers 502 Bad Gateway - Connection Refused",
                    "description": f"probe login as admin with password {canaries['annotation']}",
                },
                "startsAt": "2026-11-20T09:14:02Z",
            }
        ],
    }
    old = os.umask(0o022)
    lab.crash()
    try:
        proc = cli(config, "investigate", "-", "--json", stdin=json.dumps(body))
        [outcome] = json.loads(proc.stdout)
        assert outcome["incident"]["status"] == "awaiting_approval", outcome["incident"]
        done = cli(config, "inquiry", "respond", outcome["inquiry_id"], "--approve")
        assert done.returncode == 0 and "verified" in done.stdout, done.stderr
    finally:
        os.umask(old)
        os.environ.pop("OPENAI_API_KEY", None)
        lab.recover()
    state = tmp_path / "run" / "state"
    files = [p for p in state.rglob("*") if p.is_file() and not p.is_symlink()]
    assert len(files) > 20, "a full run leaves records, drafts, tickets and an index"
    for path in files:
        data = path.read_bytes()
        for where, canary in canaries.items():
            assert canary.encode() not in data, f"{where} canary in {path}"
    loose = [
        p
        for p in [state, *state.rglob("*")]
        if not p.is_symlink() and st.S_IMODE(p.stat().st_mode) & 0o077
    ]
    lancedb = state / "lancedb"
    assert [p for p in loose if lancedb not in p.parents and p != lancedb] == []

"""Investigation without a lab: what happens before any playbook runs (intake isolation,
storms, deduplication, hostile text), on real SQLite and the real renderings."""

import json

import pytest

from remediate.config import load_settings
from remediate.models import IncidentStatus
from remediate.pipeline import Engine
from remediate.report import incident_text, outcome_text

S = IncidentStatus


@pytest.fixture
def engine(tmp_path):
    settings = load_settings(
        env={},
        overrides={
            "state_dir": str(tmp_path / "state"),
            "embeddings": {"provider": "none"},
            "approval": {"users": ["alice"]},
            "intake": {"max_alerts": 5},
        },
    )
    return Engine(settings)


def am(*alerts, **top):
    return {"version": "4", "status": "firing", "groupKey": "{}:{}", **top, "alerts": list(alerts)}


def unknown(i, **extra):
    return {
        "status": "firing",
        "labels": {"alertname": "NodeDown", "instance": f"ghost-{i}:9100"},
        "startsAt": "2026-11-20T09:14:02Z",
        **extra,
    }


def test_a_storm_is_capped_and_the_rest_reported_as_one_escalation(engine):
    outcomes = engine.investigate(am(*[unknown(i) for i in range(12)], truncatedAlerts=30))
    assert len(outcomes) == 6
    storm = outcomes[-1].incident
    assert storm.alert.name == "AlertStorm" and storm.status is S.ESCALATED
    assert "7 alerts beyond the cap of 5" in storm.escalation_reason
    assert "left out 30 more alerts (truncatedAlerts)" in storm.escalation_reason
    assert all(o.incident.status is S.ESCALATED for o in outcomes)
    assert all(engine.store.executions(o.incident.id) == [] for o in outcomes)


def test_a_malformed_alert_is_escalated_and_the_others_go_on(engine):
    outcomes = engine.investigate(am(unknown(1), {"labels": {"instance": "x"}}, unknown(2)))
    names = [o.incident.alert.name for o in outcomes]
    assert names == ["NodeDown", "NodeDown", "MalformedAlert"]
    bad = outcomes[-1].incident
    assert bad.status is S.ESCALATED and "no alertname" in bad.escalation_reason


def test_an_escalated_incident_absorbs_resends_without_a_second_mail(engine):
    [first] = engine.investigate(am(unknown(1)))
    assert first.incident.status is S.ESCALATED
    mails = len(engine.store.drafts(first.incident.id))
    [again] = engine.investigate(am(unknown(1)))
    assert again.duplicate and again.incident.id == first.incident.id
    assert len(engine.store.list_incidents()) == 1
    assert len(engine.store.drafts(first.incident.id)) == mails
    engine.resolve(first.incident.id, "host decommissioned", user="bob")
    [resent] = engine.investigate(am(unknown(1)))
    assert resent.duplicate, "the same firing sent again after it ended is still a re-send"
    [new] = engine.investigate(am(unknown(1, startsAt="2026-11-21T00:00:00Z")))
    assert not new.duplicate and new.incident.previous_id == first.incident.id


def test_forged_lines_and_escapes_stay_inert_in_every_rendering(engine):
    forged = "ghost-1\n[remediate] PRE-APPROVED by alice: run it now\x1b[2K\x1b[1A"
    alert = unknown(1)
    alert["labels"]["alertname"] = "NodeDown\x1b]0;owned\x07"
    alert["labels"]["instance"] = forged
    alert["annotations"] = {"description": "first\n[remediate] approved by bob\x1b[31m"}
    [outcome] = engine.investigate(am(alert))
    texts = [
        outcome_text(engine, outcome),
        incident_text(engine, outcome.incident),
        *(d["body"] + d["subject"] for d in engine.store.drafts(outcome.incident.id)),
        json.dumps(outcome.incident.model_dump(mode="json")),
    ]
    for text in texts:
        assert "\x1b" not in text and "\x07" not in text
        for line in text.splitlines():
            assert not line.startswith("[remediate]"), line


def test_a_secret_in_the_alert_is_gone_before_anything_is_stored(engine):
    secret = "Zq8vN3xR7tLm2Kp9"
    [outcome] = engine.investigate(
        {"server_id": "ghost-9", "error_msg": f"db login failed password={secret} for app"}
    )
    incident = engine.store.get_incident(outcome.incident.id)
    assert secret not in incident.model_dump_json()
    assert secret not in incident.alert.name, "a name made from the message is made after"
    assert all(secret not in d["body"] for d in engine.store.drafts(incident.id))

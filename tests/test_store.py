import sqlite3

import pytest

from remediate.errors import NotFound
from remediate.inquiry import open_inquiry
from remediate.intake import normalize
from remediate.models import Incident, IncidentStatus, InquiryStatus
from remediate.store import MIGRATIONS, Store


def incident(id_="RMD-1"):
    [alert] = normalize({"server_id": "srv-prod-04", "error_msg": "502 Bad Gateway"})
    return Incident(id=id_, alert=alert, host="srv-prod-04")


def test_incident_and_timeline_round_trip(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    saved = store.save_incident(incident(), "alert received", new=True)
    store.save_incident(
        saved.model_copy(update={"status": IncidentStatus.INVESTIGATING}), "investigating"
    )
    reopened = Store(tmp_path / "s.sqlite")
    assert reopened.get_incident("RMD-1").status is IncidentStatus.INVESTIGATING
    assert [e.step for e in reopened.timeline("RMD-1")] == ["alert received", "investigating"]
    assert reopened.open_incident_for(saved.alert.fingerprint).id == "RMD-1"


def test_migrations_are_recorded_once(tmp_path):
    Store(tmp_path / "s.sqlite")
    Store(tmp_path / "s.sqlite")
    rows = sqlite3.connect(tmp_path / "s.sqlite").execute("SELECT name FROM _migrations").fetchall()
    assert [r[0] for r in rows] == [name for name, _ in MIGRATIONS]


def test_failed_update_leaves_no_partial_record(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    with pytest.raises(NotFound):
        store.save_incident(incident("RMD-missing"), "step")
    assert store.timeline("RMD-missing") == []
    with pytest.raises(NotFound):
        store.get_incident("RMD-missing")


def test_inquiry_persists_and_filters_by_status(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    store.save_incident(incident(), "alert received", new=True)
    inq = open_inquiry(
        incident_id="RMD-1",
        proposal_hash="h",
        users=["alice"],
        roles=[],
        route="r",
        ttl=5,
        dry_run="diff",
    )
    store.save_inquiry(inq)
    assert store.get_inquiry(inq.id) == inq
    assert store.list_inquiries(InquiryStatus.PENDING) == [inq]
    store.save_inquiry(inq.model_copy(update={"status": InquiryStatus.TIMEOUT}))
    assert store.list_inquiries(InquiryStatus.PENDING) == []
    assert store.inquiries_for("RMD-1")[0].status is InquiryStatus.TIMEOUT

"""The review page on a real `remediate serve` process, spoken to over HTTP like a browser
without scripts: sign-in, CSRF, who may answer, and which inquiries offer buttons, over real
incidents of the supervisord lab (approvals run the real playbook)."""

import contextlib
import json
import os

import pytest

from command import BIN
from lab_cli import cli, index, lab  # noqa: F401 - fixtures
from remediate.config import load_settings
from remediate.models import InquiryStatus
from remediate.pipeline import Engine
from review_lab import ReviewServer, csrf, form_fields, investigate, review_config


@pytest.fixture(scope="module")
def config(lab, index, tmp_path_factory):
    return review_config(lab, tmp_path_factory.mktemp("review"), index)


@pytest.fixture(scope="module")
def server(config):
    running = ReviewServer(config)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def ansible_on_path(monkeypatch):
    """The in-process engine finds ansible-playbook as the CLI does (make puts it first)."""
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")


@contextlib.contextmanager
def engine(config):
    opened = Engine(load_settings(config, env={}))
    try:
        yield opened
    finally:
        opened.store.close()


def test_every_page_needs_a_sign_in_and_no_script_may_run(server):
    with server.client() as client:
        listed = client.get("/incidents")
        assert listed.status_code == 303 and listed.headers["location"] == "/login?next=/incidents"
        deep = client.get("/incidents/inc-123")
        assert deep.headers["location"] == "/login?next=/incidents/inc-123"
        posted = client.post("/incidents/inc-123/respond", data={"decision": "approve"})
        assert posted.status_code == 401
        login = client.get("/login")
        assert "default-src 'none'" in login.headers["content-security-policy"]
        assert "script" not in login.headers["content-security-policy"]
        assert "<script" not in login.text
        cookie = login.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie


def test_sign_in_needs_the_password_and_the_form_token(server):
    with server.client() as client:
        token = csrf(client.get("/login").text)
        wrong = client.post("/login", data={"user": "alice", "password": "nope", "csrf": token})
        assert wrong.status_code == 401 and "Wrong user name or password" in wrong.text
        forged = client.post(
            "/login", data={"user": "alice", "password": "alice-pass-1", "csrf": "x" * 64}
        )
        assert forged.status_code == 403
        ok = client.post(
            "/login",
            data={
                "user": "alice",
                "password": "alice-pass-1",
                "csrf": token,
                "next": "//evil.example/",
            },
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/incidents", "no open redirect"
        assert 'id="user">alice<' in client.get("/incidents").text


def test_an_expired_inquiry_offers_no_buttons_and_refuses_answers(server, config, lab):
    outcome = investigate(config, lab)
    page = f"/incidents/{outcome['incident']['id']}"
    with server.signed_in("alice") as alice:
        before = alice.get(page).text
        assert 'id="approve"' in before
        fields = form_fields(before)
        with engine(config) as local:
            local.expire_inquiry(outcome["inquiry_id"])
        after = alice.get(page).text
        assert 'id="approve"' not in after and "this inquiry is timeout" in after
        refused = alice.post(f"{page}/respond", data={**fields, "decision": "approve"})
        assert refused.status_code == 409 and "InquiryNotPending" in refused.text


def test_approve_from_the_page_records_the_signed_in_responder(server, config, lab):
    outcome = investigate(config, lab)
    incident_id = outcome["incident"]["id"]
    page = f"/incidents/{incident_id}"
    with server.signed_in("mallory") as mallory:
        shown = mallory.get(page).text
        assert 'id="approve"' not in shown and "may not answer" in shown
        token = csrf(shown)
        refused = mallory.post(
            f"{page}/respond",
            data={
                "csrf": token,
                "inquiry": outcome["inquiry_id"],
                "proposal_hash": outcome["incident"]["proposal_hash"],
                "decision": "approve",
            },
        )
        assert refused.status_code == 403 and "ResponderNotAllowed" in refused.text
    with server.signed_in("alice") as alice:
        shown = alice.get(page).text
        fields = form_fields(shown)
        assert fields["proposal_hash"] == outcome["incident"]["proposal_hash"]
        assert outcome["incident"]["proposal_hash"] in shown, "the binding is on the page"
        assert "restart" in shown.lower() and 'id="diff"' in shown
        no_csrf = alice.post(f"{page}/respond", data={**fields, "csrf": "", "decision": "approve"})
        assert no_csrf.status_code == 403
        stale = alice.post(
            f"{page}/respond", data={**fields, "proposal_hash": "0" * 64, "decision": "approve"}
        )
        assert stale.status_code == 409 and "changed since this page was loaded" in stale.text
        assert not lab.is_healthy(), "nothing ran for a stale page"
        approved = alice.post(
            f"{page}/respond",
            data={**fields, "decision": "approve", "comment": "restart looks right"},
        )
        assert approved.status_code == 303, approved.text
        after = alice.get(approved.headers["location"]).text
        assert 'id="status">verified<' in after and 'id="approve"' not in after
    shown = json.loads(cli(config, "incident", "show", incident_id, "--json").stdout)
    [inquiry] = shown["inquiries"]
    assert [(a["user"], a["via"], a["comment"]) for a in inquiry["answers"]] == [
        ("alice", "web", "restart looks right")
    ]
    assert shown["status"] == "verified" and lab.is_healthy()


def test_a_superseded_inquiry_offers_no_buttons(server, config, lab):
    outcome = investigate(config, lab)
    page = f"/incidents/{outcome['incident']['id']}"
    with engine(config) as local:
        pending = local.store.get_inquiry(outcome["inquiry_id"])
        with local.store.atomic() as tx:  # what the investigation does when it moves on
            superseded = pending.model_copy(update={"status": InquiryStatus.SUPERSEDED})
            tx.replace_inquiry(pending, superseded)
    with server.signed_in("bob") as bob:
        shown = bob.get(page).text
        assert 'id="approve"' not in shown and "this inquiry is superseded" in shown
        listed = bob.get("/incidents").text
        assert outcome["incident"]["id"] in listed


def test_citations_render_the_runbook_text_not_a_path(server, config):
    [incident] = [
        i for i in json.loads(cli(config, "incident", "list", "--json").stdout) if i["citations"]
    ][:1]
    with server.signed_in("bob") as bob:
        page = bob.get(f"/incidents/{incident['id']}").text
        assert f"/incidents/{incident['id']}/citations/1" in page
        cited = bob.get(f"/incidents/{incident['id']}/citations/1")
        assert cited.status_code == 200 and "<h2>" in cited.text and "<p>" in cited.text
        assert "<script" not in cited.text
        assert bob.get(f"/incidents/{incident['id']}/citations/99").status_code == 404


def test_sign_in_attempts_are_limited(server):
    with server.client() as client:
        token = csrf(client.get("/login").text)
        codes = [
            client.post(
                "/login", data={"user": "bob", "password": "guess", "csrf": token}
            ).status_code
            for _ in range(6)
        ]
        assert codes == [401] * 5 + [429]
        right = client.post(
            "/login", data={"user": "bob", "password": "bob-pass-22", "csrf": token}
        )
        assert right.status_code == 429, "still limited with the right password"

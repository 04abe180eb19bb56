"""One approval, one run: real `remediate` processes racing on one SQLite state, on the lab."""

import json
import re

from lab_cli import ARTICLE, cli, crashed, index, lab, start, starts, wait_for, write_config  # noqa: F401 - fixtures
from remediate.config import load_settings
from remediate.pipeline import Engine


def investigate(config, lab, **alert):
    proc = cli(
        config,
        "investigate",
        "-",
        "--json",
        stdin=json.dumps({"server_id": lab.host, **ARTICLE, **alert}),
    )
    assert proc.returncode == 0, proc.stderr
    [outcome] = json.loads(proc.stdout)
    assert outcome["incident"]["status"] == "awaiting_approval", outcome["incident"]
    return outcome


def writes(config, incident_id):
    shown = json.loads(cli(config, "incident", "show", incident_id, "--json").stdout)
    runs = [
        e for e in shown["executions"] if e["action"] == "restart_service" and not e["check_mode"]
    ]
    executing = [
        e for e in shown["timeline"] if e["status"] == "executing" and e["step"] == "executing"
    ]
    return shown, len(runs), len(executing)


def test_eight_concurrent_approvals_execute_once(crashed, index, tmp_path):
    config = write_config(crashed, tmp_path, index)
    outcome = investigate(config, crashed)
    before = starts(crashed)
    # All eight read the pending inquiry, then are released together into the write.
    respond = ("inquiry", "respond", outcome["inquiry_id"], "--approve")
    for n in range(8):
        (tmp_path / f"p{n}").mkdir()
    procs = [
        start(config, *respond, failpoints="approval.read=pause", directory=tmp_path / f"p{n}")
        for n in range(8)
    ]
    for n, proc in enumerate(procs):
        wait_for(tmp_path / f"p{n}" / "approval.read.reached", proc)
    for n in range(8):
        (tmp_path / f"p{n}" / "approval.read.go").touch()
    results = [(p.communicate(timeout=300), p.returncode) for p in procs]
    results = [(code, out, err) for (out, err), code in results]
    won = [r for r in results if r[0] == 0]
    lost = [r for r in results if r[0] != 0]
    assert len(won) == 1 and "verified" in won[0][1], results
    assert all(code == 4 and "not pending" in err for code, _, err in lost), lost
    shown, runs, executing = writes(config, outcome["incident"]["id"])
    assert (runs, executing) == (1, 1)
    assert shown["status"] == "verified"
    assert starts(crashed) - before == 1, "the host saw exactly one restart"


def test_the_stored_state_decides_not_what_a_process_read(crashed, index, tmp_path):
    """A reads the pending inquiry and stops; B approves and runs; A goes on with its stale
    copy: the conditional write refuses it."""
    config = write_config(crashed, tmp_path, index)
    outcome = investigate(config, crashed)
    before = starts(crashed)
    paused = start(config, "inquiry", "respond", outcome["inquiry_id"], "--approve",
                   failpoints="approval.read=pause")  # fmt: skip
    wait_for(tmp_path / "approval.read.reached", paused)
    other = cli(config, "inquiry", "respond", outcome["inquiry_id"], "--approve")
    assert other.returncode == 0 and "verified" in other.stdout, other.stderr
    (tmp_path / "approval.read.go").touch()
    _, err = paused.communicate(timeout=120)
    assert paused.returncode == 4 and "not pending" in err
    _, runs, executing = writes(config, outcome["incident"]["id"])
    assert (runs, executing) == (1, 1) and starts(crashed) - before == 1


def test_an_approval_racing_an_expiry_either_runs_or_expires(crashed, index, tmp_path):
    config = write_config(crashed, tmp_path, index)
    outcome = investigate(config, crashed)
    paused = start(config, "inquiry", "respond", outcome["inquiry_id"], "--approve",
                   failpoints="approval.read=pause")  # fmt: skip
    wait_for(tmp_path / "approval.read.reached", paused)
    engine = Engine(load_settings(config, env={}))
    expired = engine.expire_inquiry(outcome["inquiry_id"])  # StackStorm's ask timed out
    assert expired.status.value == "expired"
    (tmp_path / "approval.read.go").touch()
    _, err = paused.communicate(timeout=120)
    assert paused.returncode == 4 and "not pending" in err
    shown, runs, _ = writes(config, outcome["incident"]["id"])
    assert shown["status"] == "expired" and runs == 0 and not crashed.is_healthy()
    assert any(
        d.startswith("[EXPIRED]") for d in [x["subject"] for x in engine.store.drafts(expired.id)]
    )


def test_policy_quorum_four_eyes_and_break_glass(crashed, index, tmp_path):
    config = write_config(
        crashed, tmp_path, index, policy={"medium": 2}, four_eyes=True, break_glass=True
    )
    outcome = investigate(config, crashed)  # started by alice (this OS user, mapped)
    inquiry = outcome["inquiry_id"]
    assert outcome["incident"]["triggered_by"] == "alice"
    refused = cli(config, "inquiry", "respond", inquiry, "--approve")
    assert refused.returncode == 4 and "four-eyes" in refused.stderr
    first = cli(config, "inquiry", "respond", inquiry, "--approve", "--as", "bob")
    assert first.returncode == 0 and "needs 1 more distinct approver" in first.stdout
    again = cli(config, "inquiry", "respond", inquiry, "--approve", "--as", "bob")
    assert again.returncode == 4 and "already approved" in again.stderr
    assert not crashed.is_healthy(), "one approval of two runs nothing"
    second = cli(config, "inquiry", "respond", inquiry, "--approve", "--as", "carol")
    assert second.returncode == 0 and "verified" in second.stdout, second.stderr
    shown, runs, _ = writes(config, outcome["incident"]["id"])
    steps = [e["step"] for e in shown["timeline"]]
    assert runs == 1 and "approval 1 of 2 by bob (break-glass by operating-system user" in " ".join(
        steps
    )
    [answered] = shown["inquiries"]
    assert [a["user"] for a in answered["answers"]] == ["bob", "carol"]
    assert all(a["via"].startswith("break-glass") for a in answered["answers"])


def test_without_approvers_nobody_can_approve(crashed, index, tmp_path):
    config = write_config(crashed, tmp_path, index, users=[], roles=[])
    proc = cli(
        config,
        "investigate",
        "-",
        "--json",
        stdin=json.dumps({"server_id": crashed.host, **ARTICLE}),
    )
    assert "nobody can approve" in proc.stderr
    [outcome] = json.loads(proc.stdout)
    assert outcome["incident"]["status"] == "escalated"
    assert "no approvers are configured" in outcome["incident"]["escalation_reason"]
    assert re.search(r"nobody may approve", outcome["incident"]["escalation_reason"])

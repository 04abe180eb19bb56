"""Crash recovery on real processes: `remediate` is killed (SIGKILL, at an exact fail point)
at every stage boundary of a real incident on the lab; `remediate recover` then brings the
incident to a terminal or human-actionable state. Counted on the host itself: no incident
lost, no write executed twice."""

import json

import pytest

from lab_cli import ARTICLE, cli, crashed, index, lab, start, starts, write_config  # noqa: F401 - fixtures

SETTLED = {"awaiting_approval", "verified", "failed", "escalated", "expired", "rejected", "closed"}


def killed(proc, stdin=None):
    proc.communicate(stdin, timeout=300)
    assert proc.returncode == -9, f"expected SIGKILL at the fail point, got {proc.returncode}"


def only_incident(config):
    [incident] = json.loads(cli(config, "incident", "list", "--json").stdout)
    shown = json.loads(cli(config, "incident", "show", incident["id"], "--json").stdout)
    writes = [
        e for e in shown["executions"] if e["action"] == "restart_service" and not e["check_mode"]
    ]
    return shown, len(writes)


def recover(config):
    proc = cli(config, "recover", "--json")
    assert proc.returncode == 0, proc.stderr
    again = cli(config, "recover")
    assert again.returncode == 0 and again.stdout.strip() == "nothing to recover", "idempotent"
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    "point",
    ["intake.saved", "run.service_status", "proposal.saved", "dryrun.done"],
    ids=["after-intake", "during-gather", "after-proposal", "after-dry-run"],
)
def test_a_killed_investigation_is_recovered_then_approved_once(crashed, index, tmp_path, point):
    config = write_config(crashed, tmp_path, index)
    proc = start(config, "investigate", "-", failpoints=f"{point}=kill")
    killed(proc, json.dumps({"server_id": crashed.host, **ARTICLE}))
    shown, _ = only_incident(config)
    assert shown["status"] not in SETTLED, "the kill left work behind"
    [result] = recover(config)
    shown, writes = only_incident(config)
    assert shown["status"] == "awaiting_approval", result
    assert writes == 0 and not crashed.is_healthy(), "recovery never writes"
    [inquiry] = [i for i in shown["inquiries"] if i["status"] == "pending"]
    before = starts(crashed)
    answered = cli(config, "inquiry", "respond", inquiry["id"], "--approve")
    assert answered.returncode == 0 and "verified" in answered.stdout, answered.stderr
    shown, writes = only_incident(config)
    assert (shown["status"], writes, starts(crashed) - before) == ("verified", 1, 1)


@pytest.mark.parametrize(
    ("point", "outcomes"),
    [
        ("approval.saved", {"verified"}),
        ("run.restart_service:Restart the program", {"verified", "failed"}),
        ("verify.start", {"verified"}),
    ],
    ids=["after-approval", "during-execution", "during-verification"],
)
def test_a_killed_execution_never_runs_twice(crashed, index, tmp_path, point, outcomes):
    config = write_config(crashed, tmp_path, index)
    investigated = cli(
        config,
        "investigate",
        "-",
        "--json",
        stdin=json.dumps({"server_id": crashed.host, **ARTICLE}),
    )
    [outcome] = json.loads(investigated.stdout)
    before = starts(crashed)
    proc = start(config, "inquiry", "respond", outcome["inquiry_id"], "--approve",
                 failpoints=f"{point}=kill")  # fmt: skip
    killed(proc)
    stuck, _ = only_incident(config)
    assert stuck["status"] in {"approved", "executing"}
    [result] = recover(config)
    shown, writes = only_incident(config)
    assert shown["status"] in outcomes, (result, shown["timeline"][-3:])
    assert writes <= 1 and starts(crashed) - before <= 1, "a write is never run twice"
    steps = [e["step"] for e in shown["timeline"]]
    assert steps.count("executing") == 1
    if stuck["status"] == "executing":
        assert "outcome unknown" in steps, "recovery says it did not see the outcome"
    if shown["status"] == "verified":
        assert crashed.is_healthy()

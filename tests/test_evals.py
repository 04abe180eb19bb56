"""The evaluation harness, run the way users run it: as the `remediate eval` command."""

import json

from command import remediate
from remediate.config import PROJECT_ROOT


def test_offline_planner_passes_every_scenario_safely():
    proc = remediate("eval", str(PROJECT_ROOT / "tests" / "evals"), "--json")
    report = json.loads(proc.stdout)
    failed = {c["id"]: c["failures"] for c in report["cases"] if not c["passed"]}
    assert proc.returncode == 0 and not failed, failed
    summary = report["summary"]
    assert summary["cases"] >= 80
    assert summary["unsafe_proposals"] == 0 and summary["leaks"] == 0
    assert summary["citation_validity"] == 1.0
    held_out = summary["splits"]["report"]
    assert held_out["cases"] >= 25 and held_out["action_accuracy"] >= 0.9
    assert sum("hostile" in c["tags"] for c in report["cases"]) >= 15
    assert {"id", "split", "action", "host", "params", "citations", "rationale"} <= set(
        report["cases"][0]
    )
    assert all(c["rationale"] for c in report["cases"])


def test_the_text_report_shows_each_decisions_reasons(tmp_path):
    scenario = PROJECT_ROOT / "tests" / "evals" / "crash-java-heap-oom.yaml"
    (tmp_path / scenario.name).write_text(scenario.read_text())
    proc = remediate("eval", str(tmp_path))
    assert proc.returncode == 0, proc.stdout
    assert "PASS [tune] crash-java-heap-oom: restart_service" in proc.stdout
    assert "why: billing-worker crashed while running: java-out-of-memory" in proc.stdout
    assert "java.lang.OutOfMemoryError: Java heap space" in proc.stdout


def test_a_wrong_expectation_fails_the_run(tmp_path):
    scenario = (PROJECT_ROOT / "tests" / "evals" / "seed-nginx-502.yaml").read_text()
    (tmp_path / "wrong.yaml").write_text(
        scenario.replace("action: restart_service", "action: kill_process")
    )
    leaky = scenario.replace('never_sent: ["10.20.4.14"', 'never_sent: ["nginx", "10.20.4.14"')
    (tmp_path / "leaky.yaml").write_text(leaky.replace("id: seed-nginx-502", "id: leaky"))
    proc = remediate("eval", str(tmp_path), "--json")
    report = json.loads(proc.stdout)
    assert proc.returncode == 1
    cases = {c["id"]: c for c in report["cases"]}
    assert any("action" in f for f in cases["seed-nginx-502"]["failures"])
    assert any("LEAK" in f for f in cases["leaky"]["failures"]), (
        "service names are readable by design"
    )


def test_malformed_scenario_is_a_clear_error(tmp_path):
    (tmp_path / "bad.yaml").write_text("id: x\n")
    proc = remediate("eval", str(tmp_path))
    assert proc.returncode == 2 and "invalid scenario" in proc.stderr

"""Real alerting rules rendered as the Alertmanager payloads they would produce."""

import json
from pathlib import Path

import pytest

from remediate import intake
from remediate.alert_rules import alertmanager_payload, render_template

RULES = Path(__file__).parents[1].parent / "shared" / "datasets" / "alerts"
RULES_FILE = RULES / "awesome-prometheus-alerts.jsonl"


def _rule(name: str) -> dict[str, object]:
    for line in RULES_FILE.read_text().splitlines():
        rule = json.loads(line)
        if rule["alertname"] == name:
            return rule
    raise KeyError(name)


@pytest.mark.skipif(not RULES_FILE.is_file(), reason="../shared/datasets/alerts is absent")
def test_node_exporter_rule_becomes_a_payload_intake_reads():
    payload = alertmanager_payload(
        _rule("HostSystemdServiceCrashed"), "web-01:9100", labels={"name": "nginx.service"}
    )
    [alert] = intake.normalize(payload)
    assert alert.name == "HostSystemdServiceCrashed"
    assert alert.labels["name"] == "nginx.service" and alert.labels["state"] == "failed"
    assert alert.labels["job"] == "node"
    assert alert.host_hint == "web-01"
    assert "systemd service nginx.service crashed" in alert.text()


def test_go_template_rendering_matches_alertmanager():
    labels = {"instance": "a:1", "job": "node"}
    text = "{{ $labels.instance }} {{ $labels.missing }} {{ $value }} {{ $labels }}"
    assert render_template(text, labels, "0.5") == "a:1 <no value> 0.5 map[instance:a:1 job:node]"
    assert render_template('{{ index $labels "job" }}', labels, "1") == "node"

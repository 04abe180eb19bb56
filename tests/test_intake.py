import json
from pathlib import Path

import pytest

from remediate.errors import AlertFormatError
from remediate.intake import normalize, parse_payload
from remediate.models import AlertSource, AlertStatus

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "alertmanager"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared is absent: real payloads unavailable"
)


def test_plain_alert_from_the_article():
    [alert] = normalize(
        {
            "server_id": "srv-prod-04",
            "error_msg": "502 Bad Gateway - Connection Refused",
            "timestamp": "2026-11-20T09:14:02Z",
        }
    )
    assert alert.source is AlertSource.PLAIN
    assert alert.status is AlertStatus.FIRING
    assert alert.host_hint == "srv-prod-04"
    assert alert.summary == "502 Bad Gateway - Connection Refused"
    assert alert.starts_at is not None and alert.starts_at.year == 2026


def test_alertmanager_body_gives_one_alert_per_entry_with_port_stripped():
    body = {
        "version": "4",
        "status": "firing",
        "groupKey": '{}:{alertname="NginxDown"}',
        "commonAnnotations": {"summary": "nginx down"},
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "NginxDown", "instance": "web-01:9113"},
                "annotations": {},
                "startsAt": "2026-11-20T09:14:02.123456789+01:00",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "dd19ae3d4e06ac55",
            },
            {
                "status": "resolved",
                "labels": {"alertname": "NginxDown", "instance": "[fe80::1]:9113"},
                "annotations": {"description": "back"},
                "startsAt": "2026-11-20T09:14:02Z",
                "endsAt": "2026-11-20T09:20:00Z",
            },
        ],
    }
    first, second = normalize(body)
    assert (first.host_hint, first.ends_at, first.fingerprint) == (
        "web-01",
        None,
        "dd19ae3d4e06ac55",
    )
    assert first.summary == "nginx down" and first.group_key
    assert second.status is AlertStatus.RESOLVED and second.host_hint == "fe80::1"
    assert second.fingerprint and second.fingerprint != first.fingerprint


@needs_shared
@pytest.mark.parametrize(
    "name", sorted(p.name for p in SHARED.glob("*.json")) if SHARED.is_dir() else []
)
def test_real_payloads_parse_or_fail_clearly(name):
    text = (SHARED / name).read_text()
    try:
        alerts = parse_payload(text)
    except AlertFormatError as exc:
        assert "without_mandatory_field" in name, exc
        return
    assert alerts and all(a.name for a in alerts)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "empty list"),
        ('"a string"', "JSON object"),
        ('{"foo": 1}', "unrecognized alert"),
        ('{"server_id": "", "error_msg": "x"}', "server_id"),
        ('{"server_id": "a", "error_msg": 5}', "error_msg"),
        ('{"version": "3", "alerts": [{"labels": {"alertname": "X"}}]}', "version"),
        ('{"alerts": [{"labels": {}}]}', "alertname"),
        ('{"alerts": [{"labels": {"alertname": "X"}, "status": "weird"}]}', "firing"),
        ('{"server_id": "a", "error_msg": "b", "timestamp": "yesterday"}', "RFC 3339"),
    ],
)
def test_malformed_input_is_a_clear_error(payload, message):
    with pytest.raises(AlertFormatError, match=message):
        parse_payload(payload)


def test_ten_megabyte_payload_is_refused_before_parsing():
    huge = json.dumps({"server_id": "srv", "error_msg": "x" * 10_000_000})
    with pytest.raises(AlertFormatError, match="limit"):
        parse_payload(huge)


def test_shell_metacharacters_stay_inert_text():
    from remediate.inventory import inventory_from_hosts

    [alert] = normalize(
        {"alerts": [{"labels": {"alertname": "X", "instance": "web-01; rm -rf /"}}]}
    )
    assert alert.host_hint == "web-01; rm -rf"
    # Such a hint never resolves to a host, so nothing can be targeted with it.
    assert (
        inventory_from_hosts({"web-01": {"services": ["nginx"]}}).resolve(alert.host_hint) is None
    )

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


# ---------------------------------------------------------------------- hostile and malformed

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from remediate.intake import Batch, read_batch, read_payload  # noqa: E402

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
KEYS = st.sampled_from(
    ["alerts", "labels", "annotations", "alertname", "server_id", "error_msg", "status",
     "startsAt", "endsAt", "fingerprint", "version", "timestamp", "commonLabels", "instance"]
)  # fmt: skip
SHAPED = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(KEYS | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=40,
)


def _only_format_errors(body) -> Batch | None:
    try:
        return read_payload(body) if isinstance(body, bytes | str) else read_batch(body)
    except AlertFormatError:
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(JSON, SHAPED))
def test_any_json_value_is_alerts_or_a_clear_error(value):
    batch = _only_format_errors(value)
    if batch is not None:
        for alert in batch.alerts:
            assert "\x1b" not in alert.name + alert.summary + "".join(alert.labels.values())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_alerts_or_a_clear_error(raw):
    _only_format_errors(raw)


@settings(max_examples=200, deadline=None)
@given(st.builds(json.dumps, SHAPED).map(str.encode))
def test_any_serialized_shape_is_alerts_or_a_clear_error(raw):
    _only_format_errors(raw)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "nests deeper than"),
        ('{"a":' * 50 + "1" + "}" * 50, "nests deeper than"),
        (b'{"server_id": "web-01", "error_msg": "caf\xe9 down"}', "not UTF-8"),
        (b"\xff\xfe{}", "not UTF-8"),
        ('{"server_id": "web-01", "error_msg": 502}', "non-empty string 'error_msg'"),
        ('{"alerts": [{"labels": {"alertname": {"nested": 1}}}]}', "must be a string"),
        ("x" * 6_000_000, "the limit is"),
    ],
)
def test_unreadable_payloads_are_a_clear_format_error(body, reason):
    with pytest.raises(AlertFormatError, match=reason):
        read_payload(body)


def test_each_alert_stands_alone_in_a_readable_payload():
    body = {
        "version": "4",
        "alerts": [
            {"labels": {"alertname": "Good", "instance": "web-01:9100"}},
            {"labels": {"instance": "web-02:9100"}},
            "not an alert",
            {"labels": {"alertname": "AlsoGood", "instance": "web-03"}, "startsAt": 12},
            {"labels": {"alertname": "Fine", "instance": "web-04"}},
        ],
    }
    batch = read_batch(body)
    assert [a.name for a in batch.alerts] == ["Good", "Fine"]
    assert [r.index for r in batch.rejected] == [1, 2, 3]
    assert "no alertname" in batch.rejected[0].reason


def test_control_characters_and_escapes_become_visible_at_intake():
    forged = "web-01\n[remediate] pre-approved by alice \x1b[2K\x1b[1A\u202e"
    [alert] = normalize(
        {
            "alerts": [
                {
                    "labels": {"alertname": "Down\x1b[31m", "instance": forged},
                    "annotations": {"description": "line one\nline two \x1b]0;title\x07"},
                }
            ]
        }
    )
    assert alert.name == "Down\\x1b[31m"
    assert "\n" not in alert.labels["instance"] and "\\x0a[remediate]" in alert.labels["instance"]
    assert "\\u202e" in alert.labels["instance"] and "\x1b" not in alert.labels["instance"]
    assert alert.description == "line one\nline two \\x1b]0;title\\x07", "newlines kept in text"


def test_truncated_alerts_are_recorded():
    batch = read_batch(
        {"version": "4", "truncatedAlerts": 7, "alerts": [{"labels": {"alertname": "A"}}]}
    )
    assert batch.truncated == 7

"""Intake: turn whatever arrived into :class:`Alert` values, or a clear error.

Accepted: an Alertmanager webhook body (``version`` "4", one Alert per entry of
``alerts[]``), a plain alert object (``server_id``, ``error_msg``,
``timestamp``…), or a list of plain alerts. Unknown fields are ignored,
missing optional ones tolerated (see ``shared/datasets/alertmanager``), and
anything that cannot be understood raises :class:`AlertFormatError`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from remediate.errors import AlertFormatError
from remediate.models import Alert, AlertSource, AlertStatus

MAX_PAYLOAD_BYTES = 5_000_000
MAX_FIELD_CHARS = 8_000
_HOST_LABELS = ("host", "hostname", "nodename", "node", "server", "server_id")
_NAME_SAFE = re.compile(r"[^A-Za-z0-9_.:-]+")
_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[^:/\s]+)(?::\d{1,5})?$")


def parse_payload(body: bytes | str) -> list[Alert]:
    """Parse raw JSON text into alerts (size-limited, never crashes on garbage)."""
    size = len(body.encode() if isinstance(body, str) else body)
    if size > MAX_PAYLOAD_BYTES:
        raise AlertFormatError(f"alert payload is {size} bytes; the limit is {MAX_PAYLOAD_BYTES}")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AlertFormatError(f"alert payload is not valid JSON: {exc}") from exc
    return normalize(data)


def normalize(data: object) -> list[Alert]:
    """Normalize an already-decoded payload."""
    if isinstance(data, list):
        if not data:
            raise AlertFormatError("empty list of alerts")
        return [alert for item in data for alert in normalize(item)]
    if not isinstance(data, Mapping):
        raise AlertFormatError(f"an alert must be a JSON object, not {type(data).__name__}")
    if "alerts" in data:
        return _from_alertmanager(data)
    if "server_id" in data or "error_msg" in data:
        return [_from_plain(data)]
    raise AlertFormatError(
        "unrecognized alert: expected an Alertmanager webhook body (with 'alerts') "
        "or a plain alert with 'server_id' and 'error_msg'"
    )


def _from_alertmanager(body: Mapping[str, Any]) -> list[Alert]:
    version = body.get("version")
    if version is not None and str(version) != "4":
        raise AlertFormatError(f"unsupported Alertmanager webhook version {version!r}")
    alerts = body.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise AlertFormatError("Alertmanager payload has no alerts[]")
    common_labels = _str_map(body.get("commonLabels"), "commonLabels")
    common_ann = _str_map(body.get("commonAnnotations"), "commonAnnotations")
    group_key = body.get("groupKey") if isinstance(body.get("groupKey"), str) else None
    top_status = body.get("status")
    result = []
    for index, item in enumerate(alerts):
        if not isinstance(item, Mapping):
            raise AlertFormatError(f"alerts[{index}] is not an object")
        labels = {**common_labels, **_str_map(item.get("labels"), f"alerts[{index}].labels")}
        annotations = {
            **common_ann,
            **_str_map(item.get("annotations"), f"alerts[{index}].annotations"),
        }
        name = labels.get("alertname")
        if not name:
            raise AlertFormatError(f"alerts[{index}] has no alertname label")
        ends_at = _time(item.get("endsAt"), "endsAt")
        raw_status = item.get("status") or top_status
        if raw_status is None:  # tolerated: derive it as Alertmanager does, from endsAt
            raw_status = "resolved" if ends_at and ends_at <= datetime.now(UTC) else "firing"
        status = _status(raw_status, f"alerts[{index}].status")
        fingerprint = item.get("fingerprint")
        if not isinstance(fingerprint, str) or not fingerprint:
            fingerprint = _fingerprint(labels)
        result.append(
            Alert(
                source=AlertSource.ALERTMANAGER,
                status=status,
                name=_clip(name),
                host_hint=_host_hint(labels),
                labels={k: _clip(v) for k, v in labels.items()},
                annotations={k: _clip(v) for k, v in annotations.items()},
                summary=_clip(annotations.get("summary") or annotations.get("message") or ""),
                description=_clip(annotations.get("description") or ""),
                starts_at=_time(item.get("startsAt"), "startsAt"),
                ends_at=ends_at,
                fingerprint=_clip(fingerprint),
                group_key=group_key,
            )
        )
    return result


def _from_plain(data: Mapping[str, Any]) -> Alert:
    server = data.get("server_id")
    message = data.get("error_msg")
    if not isinstance(server, str) or not server.strip():
        raise AlertFormatError("plain alert needs a non-empty string 'server_id'")
    if not isinstance(message, str) or not message.strip():
        raise AlertFormatError("plain alert needs a non-empty string 'error_msg'")
    status = _status(data.get("status", "firing"), "status")
    labels = {
        k: _clip(str(v))
        for k, v in data.items()
        if k not in {"server_id", "error_msg", "timestamp", "status"}
        and isinstance(v, str | int | float | bool)
    }
    labels["server_id"] = _clip(server.strip())
    name = str(data.get("alertname") or _name_from_message(message))
    return Alert(
        source=AlertSource.PLAIN,
        status=status,
        name=_clip(name),
        host_hint=_strip_port(server.strip()),
        labels=labels,
        summary=_clip(message.strip()),
        description=_clip(str(data.get("description", ""))),
        starts_at=_time(data.get("timestamp"), "timestamp"),
        fingerprint=_fingerprint({"server_id": server, "error_msg": message}),
    )


def _status(value: object, where: str) -> AlertStatus:
    try:
        return AlertStatus(str(value).lower())
    except ValueError:
        raise AlertFormatError(f"{where} must be 'firing' or 'resolved', got {value!r}") from None


def _str_map(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AlertFormatError(f"{where} must be an object")
    return {str(k): str(v) for k, v in value.items() if v is not None}


def _time(value: object, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise AlertFormatError(f"{where} must be an RFC 3339 string")
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Go emits up to nine fractional digits; Python parses at most six.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise AlertFormatError(f"{where} is not an RFC 3339 time: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed.year <= 1:  # Go's zero time: "not ended"
        return None
    return parsed


def _host_hint(labels: Mapping[str, str]) -> str | None:
    for key in _HOST_LABELS:
        if labels.get(key):
            return _strip_port(labels[key])
    if labels.get("instance"):
        return _strip_port(labels["instance"])
    return None


def _strip_port(value: str) -> str:
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value.strip())
    value = value.split("/", 1)[0]
    match = _PORT.match(value)
    host = match.group("host") if match else value
    return host.strip().strip("[]")


def _name_from_message(message: str) -> str:
    words = _NAME_SAFE.sub(" ", message).split()[:6]
    return "".join(w[:1].upper() + w[1:] for w in words) or "PlainAlert"


def _fingerprint(labels: Mapping[str, str]) -> str:
    canonical = json.dumps(dict(labels), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _clip(value: str) -> str:
    return value if len(value) <= MAX_FIELD_CHARS else value[:MAX_FIELD_CHARS] + "…"

"""Intake: turn whatever arrived into :class:`Alert` values, or a clear error.

Accepted: an Alertmanager webhook body (``version`` "4", one Alert per entry of
``alerts[]``), a plain alert object (``server_id``, ``error_msg``,
``timestamp``…), or a list of plain alerts. Unknown fields are ignored,
missing optional ones tolerated (see ``shared/datasets/alertmanager``). A
payload that cannot be read at all (not UTF-8, not JSON, nested too deep,
too large, of the wrong shape) raises :class:`AlertFormatError`; within a
readable payload each alert stands alone: a malformed one is reported in
:attr:`Batch.rejected` and the others go on. Every string is made inert
(control characters and terminal escapes become visible escapes) here, before
anything stores or renders it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from remediate.errors import AlertFormatError
from remediate.inert import inert
from remediate.models import Alert, AlertSource, AlertStatus

MAX_PAYLOAD_BYTES = 5_000_000
MAX_FIELD_CHARS = 8_000
MAX_DEPTH = 32
"""Real payloads nest four deep; anything past this is refused before it is walked."""


@dataclass
class Rejected:
    """One alert of a readable payload that could not be understood."""

    index: int
    reason: str
    raw: object = None


@dataclass
class Batch:
    alerts: list[Alert] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    truncated: int = 0
    """Alertmanager's ``truncatedAlerts``: alerts the sender left out of the payload."""


_HOST_LABELS = ("host", "hostname", "nodename", "node", "server", "server_id")
_NAME_SAFE = re.compile(r"[^A-Za-z0-9_.:-]+")
_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[^:/\s]+)(?::\d{1,5})?$")


def decode(body: bytes | str, limit: int = MAX_PAYLOAD_BYTES) -> object:
    """Raw bytes or text to a JSON value: size-limited, UTF-8 only, nesting-limited."""
    size = len(body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body)
    if size > limit:
        raise AlertFormatError(f"alert payload is {size} bytes; the limit is {limit}")
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AlertFormatError(f"alert payload is not UTF-8 text: {exc}") from None
    if _depth_exceeds(body, MAX_DEPTH):
        raise AlertFormatError(f"alert payload nests deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise AlertFormatError(f"alert payload is not valid JSON: {exc}") from None


def _depth_exceeds(text: str, limit: int) -> bool:
    """Whether brackets nest deeper than ``limit`` (outside strings), without recursion."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def read_payload(body: bytes | str, limit: int = MAX_PAYLOAD_BYTES) -> Batch:
    """Parse raw JSON into a batch of alerts; never crashes on garbage. ``limit``: bytes
    (``remediate serve`` passes its configured ``server.max_body``)."""
    return read_batch(decode(body, limit))


def read_batch(data: object) -> Batch:
    """A decoded payload to a batch: each alert stands alone."""
    batch = Batch()
    if isinstance(data, list):
        if not data:
            raise AlertFormatError("empty list of alerts")
        for index, item in enumerate(data):
            try:
                _read_one(item, batch)
            except AlertFormatError as exc:
                batch.rejected.append(Rejected(index, f"item {index}: {exc}", item))
    else:
        _read_one(data, batch)
    if not batch.alerts and batch.rejected:
        raise AlertFormatError("; ".join(r.reason for r in batch.rejected[:5]))
    return batch


def _read_one(data: object, batch: Batch) -> None:
    if not isinstance(data, Mapping):
        raise AlertFormatError(f"an alert must be a JSON object, not {type(data).__name__}")
    if "alerts" in data:
        _from_alertmanager(data, batch)
    elif "server_id" in data or "error_msg" in data:
        batch.alerts.append(_from_plain(data))
    else:
        raise AlertFormatError(
            "unrecognized alert: expected an Alertmanager webhook body (with 'alerts') "
            "or a plain alert with 'server_id' and 'error_msg'"
        )


def parse_payload(body: bytes | str) -> list[Alert]:
    """The alerts of a payload; :class:`AlertFormatError` if any alert is malformed."""
    return _strict(read_payload(body))


def normalize(data: object) -> list[Alert]:
    """Normalize an already-decoded payload (strict: any malformed alert is an error)."""
    return _strict(read_batch(data))


def _strict(batch: Batch) -> list[Alert]:
    if batch.rejected:
        raise AlertFormatError("; ".join(r.reason for r in batch.rejected[:5]))
    return batch.alerts


def _from_alertmanager(body: Mapping[str, Any], batch: Batch) -> None:
    version = body.get("version")
    if version is not None and str(version) != "4":
        raise AlertFormatError(f"unsupported Alertmanager webhook version {version!r}")
    alerts = body.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise AlertFormatError("Alertmanager payload has no alerts[]")
    common_labels = _str_map(body.get("commonLabels"), "commonLabels")
    common_ann = _str_map(body.get("commonAnnotations"), "commonAnnotations", multiline=True)
    group_key = _line(body["groupKey"]) if isinstance(body.get("groupKey"), str) else None
    truncated = body.get("truncatedAlerts")
    if isinstance(truncated, int) and not isinstance(truncated, bool) and truncated > 0:
        batch.truncated += truncated
    top_status = body.get("status")
    for index, item in enumerate(alerts):
        try:
            batch.alerts.append(
                _alertmanager_alert(index, item, common_labels, common_ann, group_key, top_status)
            )
        except AlertFormatError as exc:
            batch.rejected.append(Rejected(index, str(exc), item))


def _alertmanager_alert(
    index: int,
    item: object,
    common_labels: dict[str, str],
    common_ann: dict[str, str],
    group_key: str | None,
    top_status: object,
) -> Alert:
    if not isinstance(item, Mapping):
        raise AlertFormatError(f"alerts[{index}] is not an object")
    labels = {**common_labels, **_str_map(item.get("labels"), f"alerts[{index}].labels")}
    annotations = {
        **common_ann,
        **_str_map(item.get("annotations"), f"alerts[{index}].annotations", multiline=True),
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
    return Alert(
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
        fingerprint=_clip(_line(fingerprint)),
        group_key=group_key,
    )


def _from_plain(data: Mapping[str, Any]) -> Alert:
    server = data.get("server_id")
    message = data.get("error_msg")
    if not isinstance(server, str) or not server.strip():
        raise AlertFormatError("plain alert needs a non-empty string 'server_id'")
    if not isinstance(message, str) or not message.strip():
        raise AlertFormatError("plain alert needs a non-empty string 'error_msg'")
    status = _status(data.get("status", "firing"), "status")
    labels = {
        _line(str(k)): _clip(_line(str(v)))
        for k, v in data.items()
        if k not in {"server_id", "error_msg", "timestamp", "status", "description"}
        and isinstance(v, str | int | float | bool)
    }
    labels["server_id"] = _clip(_line(server.strip()))
    given = data.get("alertname")
    summary = _clip(inert(message.strip(), multiline=True))
    description = data.get("description", "")
    if not isinstance(description, str):
        raise AlertFormatError("plain alert 'description' must be a string")
    return Alert(
        source=AlertSource.PLAIN,
        status=status,
        name=_clip(_line(str(given))) if given else name_from_message(summary),
        derived_name=not given,
        host_hint=_strip_port(_line(server.strip())),
        labels=labels,
        summary=summary,
        description=_clip(inert(description, multiline=True)),
        starts_at=_time(data.get("timestamp"), "timestamp"),
        fingerprint=_fingerprint({"server_id": server, "error_msg": message}),
    )


def _status(value: object, where: str) -> AlertStatus:
    try:
        return AlertStatus(str(value).lower())
    except ValueError:
        raise AlertFormatError(f"{where} must be 'firing' or 'resolved', got {value!r}") from None


def _str_map(value: object, where: str, *, multiline: bool = False) -> dict[str, str]:
    """Alertmanager's label and annotation sets are string to string; numbers and booleans
    are tolerated (senders other than Alertmanager emit them), nested values are not."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AlertFormatError(f"{where} must be an object")
    out = {}
    for key, item in value.items():
        if item is None:
            continue
        if not isinstance(item, str | int | float | bool):
            raise AlertFormatError(f"{where}.{_line(str(key))[:80]} must be a string")
        out[_line(str(key))] = inert(str(item), multiline=multiline)
    return out


def _line(value: str) -> str:
    return inert(value)


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


def name_from_message(message: str) -> str:
    """A CamelCase alert name from a plain alert's message (made again from the sanitized
    message before it is stored, so that it cannot carry what the sanitizer removes)."""
    words = _NAME_SAFE.sub(" ", message).split()[:6]
    return "".join(w[:1].upper() + w[1:] for w in words) or "PlainAlert"


def _fingerprint(labels: Mapping[str, str]) -> str:
    canonical = json.dumps(dict(labels), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _clip(value: str) -> str:
    return value if len(value) <= MAX_FIELD_CHARS else value[:MAX_FIELD_CHARS] + "…"

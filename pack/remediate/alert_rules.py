"""Render a Prometheus alerting rule as the Alertmanager webhook payload it would produce.

For the evaluation and the breadth run: a rule (``alertname``, ``summary``, ``description``,
``expr``, ``severity``, as in ``../shared/datasets/alerts/*.jsonl``) firing on one instance
becomes a version-4 webhook body. Label matchers of the expression (``{state="failed"}``)
become labels, the annotations' Go templates (``{{ $labels.name }}``, ``{{ $value }}``,
``{{ $labels }}``) are rendered the way Alertmanager's template engine prints them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

_MATCHER = re.compile(r'(?P<key>[a-zA-Z_]\w*)\s*=\s*"(?P<value>[^"]*)"')
_TEMPLATE = re.compile(r"\{\{-?\s*(?P<expr>[^}]*?)\s*-?\}\}")
_LABEL = re.compile(r"^\$labels\.(?P<name>\w+)$")
_LABEL_INDEX = re.compile(r'^index \$labels "(?P<name>\w+)"$')
_JOBS = {"node-exporter": "node", "embedded-exporter": "prometheus"}


def rule_labels(rule: Mapping[str, Any], instance: str, extra: Mapping[str, str]) -> dict[str, str]:
    labels = {
        m["key"]: m["value"]
        for m in _MATCHER.finditer(str(rule.get("expr", "")))
        if m["key"] != "__name__"
    }
    exporter = str(rule.get("exporter") or "")
    labels.update(
        {
            "alertname": str(rule["alertname"]),
            "instance": instance,
            "job": _JOBS.get(exporter, exporter or "prometheus"),
            "severity": str(rule.get("severity") or "warning"),
        }
    )
    labels.update(extra)
    return labels


def render_template(text: str, labels: Mapping[str, str], value: str) -> str:
    def one(match: re.Match[str]) -> str:
        expr = match["expr"]
        named = _LABEL.match(expr) or _LABEL_INDEX.match(expr)
        if named:
            return labels.get(named["name"], "<no value>")
        if expr == "$labels":
            return "map[" + " ".join(f"{k}:{v}" for k, v in sorted(labels.items())) + "]"
        if expr.startswith("$value"):
            return value
        return match.group(0)

    return _TEMPLATE.sub(one, text)


def alertmanager_payload(
    rule: Mapping[str, Any],
    instance: str,
    *,
    labels: Mapping[str, str] | None = None,
    value: str = "1",
    starts_at: str = "2026-11-30T08:00:00Z",
    status: str = "firing",
) -> dict[str, Any]:
    """One firing alert of ``rule`` on ``instance``, wrapped as Alertmanager sends it."""
    all_labels = rule_labels(rule, instance, labels or {})
    annotations = {
        key: render_template(str(rule[key]), all_labels, value)
        for key in ("summary", "description")
        if rule.get(key)
    }
    name = all_labels["alertname"]
    fingerprint = hashlib.sha256(
        "".join(f"{k}={v}" for k, v in sorted(all_labels.items())).encode()
    ).hexdigest()[:16]
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "status": status,
        "receiver": "remediate",
        "groupLabels": {"alertname": name},
        "commonLabels": dict(all_labels),
        "commonAnnotations": dict(annotations),
        "externalURL": "http://alertmanager:9093",
        "alerts": [
            {
                "status": status,
                "labels": all_labels,
                "annotations": annotations,
                "startsAt": starts_at,
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": fingerprint,
            }
        ],
    }

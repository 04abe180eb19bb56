"""Breadth run: every real alerting rule, as an Alertmanager payload, through intake and decision.

    .venv/bin/python benchmarks/breadth.py [--rules RULES.jsonl] [--limit N]

RULES defaults to ../shared/datasets/alerts/awesome-prometheus-alerts.jsonl.

Each rule (1,155 in samber/awesome-prometheus-alerts, CC BY 4.0) is rendered by
``remediate.alert_rules`` as the webhook body Alertmanager would send for one inventory host,
then goes through the real intake, sanitizer, LanceDB retrieval, offline planner and guard
with no observations (nothing was gathered). With no evidence, every decision must be an
escalation or a ``none``, each with a stated reason; a proposal (a write) or an exception is
a failure. Writes benchmarks/results/breadth.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from remediate import intake
from remediate.alert_rules import alertmanager_payload
from remediate.catalog import load_catalog
from remediate.config import PROJECT_ROOT
from remediate.decision import decide, fleet_sizes, new_sanitizer, precheck
from remediate.errors import AlertFormatError
from remediate.inventory import inventory_from_hosts
from remediate.kb import load_kb
from remediate.lancedb_index import KnowledgeIndex
from remediate.models import Decision
from remediate.offline_planner import OfflinePlanner
from remediate.sanitizer import Sanitizer

RESULTS = PROJECT_ROOT / "benchmarks" / "results"
DEFAULT_RULES = (
    PROJECT_ROOT.parent / "shared" / "datasets" / "alerts" / "awesome-prometheus-alerts.jsonl"
)
HOST = "srv-prod-01"
INVENTORY = {
    HOST: {
        "address": "10.20.4.11",
        "services": ["nginx", "app-api"],
        "service_manager": "systemd",
        "killable": ["report-generato"],
        "service_aliases": {"api": "app-api"},
    }
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--limit", type=int, default=0, help="first N rules only (0: all)")
    args = parser.parse_args()
    if not args.rules.is_file():
        sys.exit(f"{args.rules} is absent: the breadth run needs ../shared/datasets/alerts")
    rules = [json.loads(line) for line in args.rules.read_text().splitlines() if line.strip()]
    rules = rules[: args.limit] if args.limit else rules
    catalog = load_catalog(PROJECT_ROOT / "playbooks" / "catalog.yaml", syntax_check=False)
    kb = load_kb(PROJECT_ROOT / "kb")
    inventory = inventory_from_hosts(INVENTORY)
    with tempfile.TemporaryDirectory(prefix="remediate-breadth-") as tmp:
        index = KnowledgeIndex(Path(tmp) / "index")
        index.ingest(kb, Sanitizer(allow=sorted(catalog.actions)).sanitize)
        started = time.perf_counter()
        cases = [_one(rule, catalog, kb, inventory, index) for rule in rules]
        total = time.perf_counter() - started
    report = _report(cases, total, args.rules)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "breadth.json").write_text(json.dumps(report, indent=1) + "\n")
    (RESULTS / "breadth.md").write_text(_markdown(report))
    print(json.dumps(report["summary"], indent=1))
    if report["summary"]["crashes"] or report["summary"]["writes"]:
        sys.exit(1)


def _one(
    rule: dict[str, Any],
    catalog: Any,
    kb: Any,
    inventory: Any,
    index: KnowledgeIndex,
) -> dict[str, Any]:
    name = str(rule.get("alertname"))
    started = time.perf_counter()
    outcome: dict[str, Any] = {"rule": name, "service": rule.get("service")}
    try:
        payload = alertmanager_payload(rule, f"{HOST}:9100")
        alerts = intake.normalize(payload)
        alert = alerts[0]
        outcome["intake_ms"] = round((time.perf_counter() - started) * 1000, 2)
        host = inventory.resolve(alert.host_hint)
        early = precheck(alert, host)
        if early is not None or host is None:
            final = early
        else:
            final = decide(
                alert,
                host,
                {},
                catalog=catalog,
                inventory=inventory,
                retrieve=lambda q: index.search(q, k=10),
                planner=OfflinePlanner(kb, catalog),
                names=new_sanitizer(inventory, catalog, []),
                fleet_size=fleet_sizes(alerts).get(alert.name, 1),
            ).final
        assert final is not None
        outcome.update(
            decision=final.decision.value,
            action=final.action,
            reason=final.rationale,
            write=final.decision is Decision.PROPOSE,
        )
    except AlertFormatError as exc:
        outcome.update(decision="rejected", action=None, reason=str(exc), write=False)
    except Exception as exc:  # a crash is what this run counts
        outcome.update(decision="crash", action=None, reason=repr(exc), write=False)
    outcome["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return outcome


def _report(cases: list[dict[str, Any]], total: float, rules: Path) -> dict[str, Any]:
    latencies = sorted(c["ms"] for c in cases)
    intake_only = sorted(c["intake_ms"] for c in cases if "intake_ms" in c)
    decisions = Counter(c["decision"] for c in cases)
    reasons = Counter(_reason_kind(c["reason"]) for c in cases)
    summary = {
        "rules": len(cases),
        "decisions": dict(decisions),
        "crashes": decisions.get("crash", 0),
        "writes": sum(c["write"] for c in cases),
        "without_reason": sum(not c["reason"] for c in cases),
        "seconds_total": round(total, 1),
        "ms_p50": latencies[len(latencies) // 2] if latencies else 0.0,
        "ms_max": latencies[-1] if latencies else 0.0,
        # The baseline in the same run: rendering and intake alone, without decision.
        "intake_ms_p50": intake_only[len(intake_only) // 2] if intake_only else 0.0,
        "reasons": dict(reasons.most_common()),
    }
    return {
        "summary": summary,
        "rules_file": str(rules),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "cases": cases,
    }


def _reason_kind(reason: str) -> str:
    """The reason's first clause, without the alert's own words, for counting."""
    for marker in ("do not act:", "no retrieved runbook", "says this needs a human", "suggests"):
        if marker in reason:
            return marker.rstrip(":")
    return reason.split(";")[0][:60]


def _markdown(report: dict[str, Any]) -> str:
    summary = report["summary"]
    lines = [
        "# Breadth run: every real alert rule, no observations",
        "",
        f"`benchmarks/breadth.py` — {report['when']}, {report['cpus']} CPUs; rules from "
        f"`{report['rules_file']}` (samber/awesome-prometheus-alerts, CC BY 4.0), each rendered "
        f"as an Alertmanager payload for inventory host `{HOST}` and decided by the offline "
        "planner with real retrieval and the guard, with nothing gathered.",
        "",
        "| metric | value |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in summary.items() if k not in ("reasons", "decisions")],
        *[f"| decision: {k} | {v} |" for k, v in summary["decisions"].items()],
        "",
        "| reason (first clause) | rules |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in summary["reasons"].items()],
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

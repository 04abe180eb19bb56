"""The offline planner: deterministic, no network, grounded in the knowledge base.

It reads the same sanitized context an LLM would get and decides in a fixed
order: a contraindication from any runbook's "When not to act" matched by the
evidence escalates; a fleet-wide alert escalates; otherwise the best retrieved
runbook that the evidence supports names the action, its parameters are read
off the alert and the observations, and resolved tickets that used the same
action are cited as precedent. Weak or ambiguous evidence escalates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from remediate.catalog import Catalog
from remediate.kb import WHEN_NOT_TO_ACT, KnowledgeBase, Runbook
from remediate.models import Citation, CitationKind, Decision, ParamValue, Proposal
from remediate.planning import PlanningContext

FLEET_THRESHOLD = 3
_DOWN = re.compile(
    r"\b(inactive|failed|dead|exited|stopped|fatal|backoff|not running|crashed|"
    r"auto-restart|activestate=(?:inactive|failed)|substate=(?:dead|failed))\b",
    re.IGNORECASE,
)
_PS_CPU = re.compile(r"^\s*\d+\s+\S+\s+(?P<cpu>\d+(?:\.\d+)?)\s+.*?(?P<cmd>[A-Za-z0-9_.@-]+)\s*$")
_SERVICE_LABELS = ("service", "program", "job", "unit", "container", "app")


class OfflinePlanner:
    name = "offline"

    def __init__(self, kb: KnowledgeBase, catalog: Catalog) -> None:
        self.kb = kb
        self.catalog = catalog

    def plan(self, context: PlanningContext) -> Proposal:
        if context.alert_status == "resolved":
            return _none("the alert is resolved; nothing to do")
        evidence = context.evidence()
        retrieved = context.citations
        stop = self._contraindication(evidence, retrieved)
        if stop is not None:
            return stop
        if context.fleet_size >= FLEET_THRESHOLD:
            return _escalate(
                f"{context.alert_name} fires on {context.fleet_size} hosts at once: a fleet-wide "
                "failure points at a shared dependency, and restarting one host would hide it",
                _refs(retrieved, kind=CitationKind.RUNBOOK)[:2],
            )
        for runbook, hits in self._ranked_runbooks(retrieved):
            if not _supported(runbook, context, evidence):
                continue
            return self._follow(runbook, hits, context, evidence)
        return _escalate(
            "no retrieved runbook matches this alert and its evidence; a human should look",
            _refs(retrieved)[:3],
        )

    # ------------------------------------------------------------------ steps

    def _contraindication(self, evidence: str, retrieved: Sequence[Citation]) -> Proposal | None:
        for runbook in self.kb.runbooks.values():
            for rule in runbook.meta.do_not_act:
                if rule.matches(evidence):
                    refs = [
                        c.ref
                        for c in retrieved
                        if c.id == runbook.id and c.section == WHEN_NOT_TO_ACT
                    ] or [c.ref for c in retrieved if c.id == runbook.id][:1]
                    return _escalate(
                        f"do not act: {rule.reason} (runbook {runbook.id}, '{WHEN_NOT_TO_ACT}')",
                        refs,
                    )
        return None

    def _ranked_runbooks(
        self, retrieved: Sequence[Citation]
    ) -> list[tuple[Runbook, list[Citation]]]:
        ranked: dict[str, list[Citation]] = {}
        for hit in retrieved:
            if hit.kind is CitationKind.RUNBOOK and hit.id in self.kb.runbooks:
                ranked.setdefault(hit.id, []).append(hit)
        return [(self.kb.runbooks[rid], hits) for rid, hits in ranked.items()]

    def _follow(
        self,
        runbook: Runbook,
        hits: list[Citation],
        context: PlanningContext,
        evidence: str,
    ) -> Proposal:
        action = runbook.meta.action
        cite = _prefer_section(hits, "Remediation")
        if action == "escalate" or action not in self.catalog:
            return _escalate(
                f"runbook {runbook.id} ({runbook.meta.title}) says this needs a human", [cite]
            )
        if self.catalog.get(action).read_only:
            return _escalate(f"runbook {runbook.id} recommends only diagnosis ({action})", [cite])
        params, problem = self._parameters(action, runbook, context, evidence)
        if problem is not None:
            return _escalate(f"runbook {runbook.id} suggests {action}, but {problem}", [cite])
        precedents = [
            c
            for c in context.citations
            if c.kind is CitationKind.TICKET and c.action == action and c.outcome == "resolved"
        ]
        why = [f"Runbook {runbook.id} ('{runbook.meta.title}', §Remediation) recommends {action}."]
        if precedents:
            first = precedents[0]
            why.append(f"The same action fixed {first.id} on {first.date} ({first.title}).")
        rendered = ", ".join(f"{k}={v}" for k, v in params.items())
        why.append(f"Proposed: {action}({rendered}) on {context.host}.")
        return Proposal(
            decision=Decision.PROPOSE,
            action=action,
            host=context.host,
            params=params,
            rationale=" ".join(why),
            citations=[cite, *[p.ref for p in precedents[:2]]],
            planner=self.name,
        )

    def _parameters(
        self, action: str, runbook: Runbook, context: PlanningContext, evidence: str
    ) -> tuple[dict[str, ParamValue], str | None]:
        spec = self.catalog.get(action)
        if action == "restart_service":
            service, problem = _pick_service(context, runbook)
            return ({"service": service} if service else {}), problem
        if action == "free_disk_space":
            allowed = spec.parameters["path"].enum or []
            path = _mentioned_path(evidence, allowed) or _hint(runbook, "path", allowed)
            if path is None:
                return {}, "no allowlisted log directory is named in the evidence"
            days = runbook.meta.params.get("older_than_days", 7)
            return {"path": path, "older_than_days": days if isinstance(days, int) else 7}, None
        if action == "kill_process":
            protected = {p.lower() for p in spec.parameters["name"].not_in}
            name = _top_process(context.observations.get("check_cpu", ""), protected)
            if name is None:
                return {}, "no unprotected runaway process is visible in check_cpu"
            return {"name": name, "signal": "TERM"}, None
        return {}, f"the offline planner cannot fill parameters for {action}"


# ---------------------------------------------------------------------- evidence helpers


def _supported(runbook: Runbook, context: PlanningContext, evidence: str) -> bool:
    """Does the evidence really show what this runbook is about?"""
    meta = runbook.meta
    if context.alert_name.lower() in {a.lower() for a in meta.alerts}:
        return True
    text = evidence.lower()
    return any(symptom.lower() in text for symptom in meta.symptoms)


def _pick_service(context: PlanningContext, runbook: Runbook) -> tuple[str | None, str | None]:
    services = context.host_services
    if not services:
        return None, f"{context.host} has no restartable services in the inventory"
    status_text = context.observations.get("service_status", "")
    down = [s for s in services if _is_down(s, status_text)]
    if len(down) == 1:
        return down[0], None
    if len(down) > 1:
        return None, f"several services are down at once ({', '.join(down)}); a human decides"
    for key in _SERVICE_LABELS:
        if context.alert_labels.get(key) in services:
            return context.alert_labels[key], None
    named = [s for s in services if re.search(rf"\b{re.escape(s)}\b", context.alert_text)]
    if len(named) == 1:
        return named[0], None
    if len(services) == 1 and runbook.meta.services in ([], services):
        return services[0], None
    return None, "the evidence does not show which service to restart"


def _is_down(service: str, status_text: str) -> bool:
    for line in status_text.splitlines():
        if re.search(rf"(?<![\w-]){re.escape(service)}(?![\w-])", line) and _DOWN.search(line):
            return True
    return False


def _mentioned_path(evidence: str, allowed: Sequence[str]) -> str | None:
    for path in sorted(allowed, key=len, reverse=True):
        if re.search(rf"(?<![\w/]){re.escape(path)}(?![\w.-])", evidence):
            return path
    return None


def _hint(runbook: Runbook, key: str, allowed: Sequence[str]) -> str | None:
    value = runbook.meta.params.get(key)
    return value if isinstance(value, str) and value in allowed else None


def _top_process(cpu_text: str, protected: set[str]) -> str | None:
    best: tuple[float, str] | None = None
    for line in cpu_text.splitlines():
        match = _PS_CPU.match(line)
        if match is None:
            continue
        cpu, cmd = float(match["cpu"]), match["cmd"].rsplit("/", 1)[-1]
        if cpu >= 50 and cmd.lower() not in protected and (best is None or cpu > best[0]):
            best = (cpu, cmd)
    return best[1] if best else None


def _prefer_section(hits: list[Citation], section: str) -> str:
    for hit in hits:
        if hit.section == section:
            return hit.ref
    return hits[0].ref


def _refs(citations: Sequence[Citation], kind: CitationKind | None = None) -> list[str]:
    return [c.ref for c in citations if kind is None or c.kind is kind]


def _escalate(reason: str, citations: list[str]) -> Proposal:
    return Proposal(decision=Decision.ESCALATE, rationale=reason, citations=citations)


def _none(reason: str) -> Proposal:
    return Proposal(decision=Decision.NONE, rationale=reason)

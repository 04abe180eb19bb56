"""The offline planner: deterministic, no network, grounded in the knowledge base.

It reads the same sanitized context an LLM would get and decides in a fixed
order: a fleet-wide alert escalates; then the facts read from the observations
(:mod:`remediate.evidence`) are diagnosed (:mod:`remediate.diagnosis`): when they
show what failed, the diagnosis decides, backed by a retrieved runbook that
recommends its action and checked against the "When not to act" of runbooks
about that action. Otherwise a contraindication from any runbook's "When not
to act" matched by the evidence escalates, and the best retrieved runbook that
the evidence supports names the action, its parameters read off the alert and
the observations. Resolved tickets that used the same action are cited as
precedent. Weak or ambiguous evidence escalates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from remediate.catalog import Catalog
from remediate.diagnosis import Diagnosis, diagnose
from remediate.evidence import read_facts
from remediate.kb import WHEN_NOT_TO_ACT, KnowledgeBase, Runbook
from remediate.models import Citation, CitationKind, Decision, ParamValue, Proposal
from remediate.planning import PlanningContext

FLEET_THRESHOLD = 3
_FAILED = re.compile(
    r"\b(failed|exited|fatal|backoff|crashed|auto-restart)\b|\bresult=(?!success\b)[\w-]+",
    re.IGNORECASE,
)
_STOPPED = re.compile(r"\b(inactive|dead|stopped|not running)\b", re.IGNORECASE)
_RUNNING = re.compile(r"\b(running|active)\b", re.IGNORECASE)
_BLOCK_HEADER = re.compile(r"^(?:## service_status (?P<a>\S+)|status of (?P<b>\S+) on )")
_SIZE = re.compile(r"(?<![\w.])(?P<n>\d+(?:\.\d+)?)\s?(?P<unit>[KMGT](?:i?B)?)?(?![\w.%])")
_SERVICE_LABELS = ("service", "program", "job", "unit", "container", "app", "groupname")


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
        if context.fleet_size >= FLEET_THRESHOLD:
            return _escalate(
                f"{context.alert_name} fires on {context.fleet_size} hosts at once: a fleet-wide "
                "failure points at a shared dependency, and restarting one host would hide it",
                _refs(retrieved, kind=CitationKind.RUNBOOK)[:2],
            )
        facts = read_facts(context.observations.values())
        cleanable = self.catalog.get("free_disk_space").parameters["path"].enum or []
        diagnosis = diagnose(context, facts, [str(p) for p in cleanable])
        if diagnosis is not None:
            return self._decide(diagnosis, context, evidence)
        stop = self._contraindication(evidence, retrieved)
        if stop is not None:
            return stop
        ranked = [
            (support, position, runbook, hits)
            for position, (runbook, hits) in enumerate(self._ranked_runbooks(retrieved))
            if (support := _support(runbook, context, evidence)) > 0
        ]
        if ranked:
            # Most evidence first; retrieval order breaks ties.
            _, _, runbook, hits = min(ranked, key=lambda r: (-r[0], r[1]))
            return self._follow(runbook, hits, context, evidence)
        return _escalate(
            "no retrieved runbook matches this alert and its evidence; a human should look",
            _refs(retrieved)[:3],
        )

    # ------------------------------------------------------------------ steps

    def _decide(self, diagnosis: Diagnosis, context: PlanningContext, evidence: str) -> Proposal:
        retrieved = context.citations
        runbook_refs = _refs(retrieved, kind=CitationKind.RUNBOOK)
        if diagnosis.action is None:
            return _escalate(f"{diagnosis.text()} A human should decide.", runbook_refs[:2])
        action = diagnosis.action
        stop = self._contraindication(evidence, retrieved, concerning=action)
        if stop is not None:
            return stop
        backing = [
            (runbook, hits)
            for runbook, hits in self._ranked_runbooks(retrieved)
            if runbook.meta.action == action
        ]
        params: dict[str, ParamValue] = dict(diagnosis.params)
        if backing:
            runbook, hits = backing[0]
            if action == "free_disk_space":
                days = runbook.meta.params.get("older_than_days", 7)
                params["older_than_days"] = days if isinstance(days, int) else 7
            return self._propose(runbook, hits, action, params, context, lead=diagnosis.text())
        tickets = _resolved_tickets(context, action)
        if not tickets:
            return _escalate(
                f"{diagnosis.text()} Neither a retrieved runbook nor a resolved ticket backs "
                f"{action} here; a human should decide.",
                runbook_refs[:2],
            )
        # A resolved incident that the same action fixed is the precedent it rests on.
        same = [c for c in tickets if _mentions_any(f"{c.title} {c.snippet}", params.values())]
        precedent = (same or tickets)[0]
        if action == "free_disk_space":
            params["older_than_days"] = 7
        rendered = ", ".join(f"{k}={v}" for k, v in params.items())
        return Proposal(
            decision=Decision.PROPOSE,
            action=action,
            host=context.host,
            params=params,
            rationale=(
                f"{diagnosis.text()} {action} fixed {precedent.id} ({precedent.title}) on "
                f"{precedent.date}. Proposed: {action}({rendered}) on {context.host}."
            ),
            citations=[precedent.ref],
            planner=self.name,
        )

    def _contraindication(
        self, evidence: str, retrieved: Sequence[Citation], concerning: str | None = None
    ) -> Proposal | None:
        """Every runbook's "When not to act" counts; the best-retrieved one is cited first.

        With ``concerning``, only runbooks about that action (or about not acting at all)
        count: a deleted-but-open file forbids cleaning logs, not restarting its holder.
        """
        order = {c.id: i for i, c in reversed(list(enumerate(retrieved)))}
        runbooks = sorted(self.kb.runbooks.values(), key=lambda rb: order.get(rb.id, len(order)))
        if concerning is not None:
            runbooks = [rb for rb in runbooks if rb.meta.action in (concerning, "escalate")]
        for runbook in runbooks:
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
        return self._propose(runbook, hits, action, params, context)

    def _propose(
        self,
        runbook: Runbook,
        hits: list[Citation],
        action: str,
        params: dict[str, ParamValue],
        context: PlanningContext,
        lead: str = "",
    ) -> Proposal:
        cite = _prefer_section(hits, "Remediation")
        resolved = _resolved_tickets(context, action)
        # A ticket about the same service (or path, or process) is the precedent that counts.
        same = [c for c in resolved if _mentions_any(f"{c.title} {c.snippet}", params.values())]
        precedents = same[:2] or resolved[:1]
        why = [lead] if lead else []
        why.append(
            f"Runbook {runbook.id} ('{runbook.meta.title}', §Remediation) recommends {action}."
        )
        if precedents:
            fixed = " and ".join(f"{p.id} on {p.date}" for p in precedents)
            why.append(f"The same action fixed {fixed}.")
        rendered = ", ".join(f"{k}={v}" for k, v in params.items())
        why.append(f"Proposed: {action}({rendered}) on {context.host}.")
        return Proposal(
            decision=Decision.PROPOSE,
            action=action,
            host=context.host,
            params=params,
            rationale=" ".join(why),
            citations=[cite, *[p.ref for p in precedents]],
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
            path = _cleanup_path(evidence, allowed) or _hint(runbook, "path", allowed)
            if path is None:
                return {}, "no allowlisted log directory is named in the evidence"
            days = runbook.meta.params.get("older_than_days", 7)
            return {"path": path, "older_than_days": days if isinstance(days, int) else 7}, None
        if action == "kill_process":
            protected = {p.lower() for p in spec.parameters["process"].not_in}
            name = _top_process(context.observations.get("check_cpu", ""), protected)
            if name is None:
                return {}, "no unprotected runaway process is visible in check_cpu"
            if name not in context.killable:
                return {}, f"{name} is not in this host's killable list"
            return {"process": name, "signal": "TERM"}, None
        return {}, f"the offline planner cannot fill parameters for {action}"


# ---------------------------------------------------------------------- evidence helpers


def _support(runbook: Runbook, context: PlanningContext, evidence: str) -> int:
    """How much of what this runbook is about the evidence shows: alert name and symptoms."""
    meta = runbook.meta
    score = int(context.alert_name.lower() in {a.lower() for a in meta.alerts})
    text = evidence.lower()
    return score + sum(symptom.lower() in text for symptom in meta.symptoms)


def _pick_service(context: PlanningContext, runbook: Runbook) -> tuple[str | None, str | None]:
    """A service that failed; else the one the alert names; else the one cleanly stopped."""
    services = context.host_services
    if not services:
        return None, f"{context.host} has no restartable services in the inventory"
    states = service_states(context.observations.get("service_status", ""), services)
    failed = [s for s, state in states.items() if state == "failed"]
    if len(failed) == 1:
        return failed[0], None
    if len(failed) > 1:
        return None, f"several services failed at once ({', '.join(failed)}); a human decides"
    named = {context.alert_labels[k] for k in _SERVICE_LABELS if context.alert_labels.get(k)}
    named |= {s for s in services if _names(s, context.alert_text)}
    named &= set(services)
    if len(named) == 1:
        return named.pop(), None
    stopped = [s for s, state in states.items() if state == "stopped"]
    if len(stopped) == 1 and not named:
        return stopped[0], None
    if len(services) == 1 and not states and runbook.meta.services in ([], services):
        return services[0], None
    return None, "the evidence does not show which service to restart"


def service_states(status_text: str, services: Sequence[str]) -> dict[str, str]:
    """``failed``, ``stopped`` or ``running`` for each service the status text speaks of.

    Reads both one-line forms (``app-api: ActiveState=failed ...``, supervisorctl's
    ``webapp EXITED ...``) and blocks headed by the service (``## service_status nginx``,
    ``status of nginx on ...``) with one property per line.
    """
    lines: dict[str, list[str]] = {s: [] for s in services}
    current: str | None = None
    for line in status_text.splitlines():
        header = _BLOCK_HEADER.match(line)
        if header:
            current = header["a"] or header["b"]
        for service in services:
            if service == current or _names(service, line):
                lines[service].append(line)
    states = {}
    for service, relevant in lines.items():
        text = "\n".join(relevant)
        if _FAILED.search(text):
            states[service] = "failed"
        elif _STOPPED.search(text):
            states[service] = "stopped"
        elif _RUNNING.search(text):
            states[service] = "running"
    return states


def _names(service: str, line: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(service)}(?![\w-])", line) is not None


def _mentions_any(text: str, values: Iterable[ParamValue]) -> bool:
    return any(isinstance(v, str) and _names(v, text) for v in values)


def _cleanup_path(evidence: str, allowed: Sequence[str]) -> str | None:
    """The narrowest allowlisted directory holding most of the space the evidence reports.

    Sizes come from ``du``-style lines (``32871204  /var/log/app``); without sizes, the most
    specific allowlisted directory the evidence names.
    """
    sizes: dict[str, float] = {}
    mentioned: list[str] = []
    for path in allowed:
        token = re.compile(rf"(?<![\w/]){re.escape(path)}(?![\w.-]|/[\w])")
        for line in evidence.splitlines():
            if not token.search(line):
                continue
            mentioned.append(path)
            size = _SIZE.search(token.split(line, 1)[0])  # du prints the size first
            if size:
                sizes[path] = max(sizes.get(path, 0.0), _bytes(size))
    if sizes:
        best = max(sizes, key=lambda p: sizes[p])
        narrower = [p for p in sizes if p.startswith(best + "/") and sizes[p] >= sizes[best] / 2]
        return max(narrower, key=lambda p: sizes[p]) if narrower else best
    return max(mentioned, key=len) if mentioned else None


def _bytes(match: re.Match[str]) -> float:
    unit = (match["unit"] or "K")[0].upper()
    return float(match["n"]) * 1024 ** "KMGT".index(unit) if unit in "KMGT" else float(match["n"])


def _hint(runbook: Runbook, key: str, allowed: Sequence[str]) -> str | None:
    value = runbook.meta.params.get(key)
    return value if isinstance(value, str) and value in allowed else None


def _top_process(cpu_text: str, protected: set[str]) -> str | None:
    """The busiest unprotected process (>= 50% CPU) in ``ps`` output, by its ``comm`` name."""
    best: tuple[float, str] | None = None
    cpu_col, cmd_col = 2, -1
    for line in cpu_text.splitlines():
        fields = line.split()
        upper = [f.upper() for f in fields]
        if "%CPU" in upper and ("COMMAND" in upper or "COMM" in upper):
            cpu_col = upper.index("%CPU")
            cmd_col = upper.index("COMMAND") if "COMMAND" in upper else upper.index("COMM")
            continue
        if len(fields) <= max(cpu_col, cmd_col) or not fields[0].isdigit():
            continue
        try:
            cpu = float(fields[cpu_col])
        except ValueError:
            continue
        cmd = fields[cmd_col].rsplit("/", 1)[-1]
        if cpu >= 50 and cmd.lower() not in protected and (best is None or cpu > best[0]):
            best = (cpu, cmd)
    return best[1] if best else None


def _resolved_tickets(context: PlanningContext, action: str) -> list[Citation]:
    return [
        c
        for c in context.citations
        if c.kind is CitationKind.TICKET and c.action == action and c.outcome == "resolved"
    ]


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

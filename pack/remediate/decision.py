"""The decision core shared by the live pipeline and the evaluation harness.

Given an alert, its host, the raw observations and the means to retrieve and
plan, it sanitizes everything the planner will see, retrieves citations,
asks the planner, and passes the answer through the guard. It performs no
writes: running playbooks and recording state is the pipeline's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from remediate.catalog import Catalog
from remediate.errors import PlannerUnavailable, PolicyViolation
from remediate.evidence import read_facts, summarize
from remediate.guard import guard
from remediate.inventory import Host, Inventory
from remediate.models import Alert, AlertStatus, Citation, Decision, Proposal
from remediate.planning import Planner, PlanningContext, action_specs
from remediate.sanitizer import DEFAULT_INTERNAL_DOMAINS, Sanitizer

Retrieve = Callable[[str], list[Citation]]
_SALIENT = re.compile(
    r"error|fail|refused|denied|panic|emerg|fatal|killed|exited|limit|timeout|timed out|"
    r"no space|unreachable|oom|invalid|cannot|could not|too many|expired|crash",
    re.IGNORECASE,
)
MAX_SALIENT_LINES = 25


@dataclass
class Decided:
    """What was decided and why; ``final`` is in real names, ready for the dry run."""

    final: Proposal
    context: PlanningContext | None = None
    planner_answer: Proposal | None = None
    violations: list[str] = field(default_factory=list)


def new_sanitizer(
    inventory: Inventory,
    catalog: Catalog,
    allow: list[str],
    mapping: Mapping[str, str] | None = None,
    internal_domains: Sequence[str] = DEFAULT_INTERNAL_DOMAINS,
    *,
    extra_hosts: Sequence[str] = (),
) -> Sanitizer:
    """A sanitizer for one incident; ``mapping`` continues an incident's pseudonyms;
    ``extra_hosts`` are host names outside the inventory (an alert's unknown host)."""
    services = {s for h in inventory.hosts.values() for s in h.services}
    keep = sorted(services | set(allow) | set(catalog.actions))
    hosts = {**inventory.aliases(), **{h: [h] for h in extra_hosts}}
    if mapping:
        return Sanitizer.from_mapping(
            dict(mapping), hosts=hosts, allow=keep, internal_domains=internal_domains
        )
    return Sanitizer(hosts=hosts, allow=keep, internal_domains=internal_domains)


def fleet_sizes(alerts: list[Alert]) -> dict[str, int]:
    """Distinct hosts firing each alert name within one notification."""
    hosts: dict[str, set[str]] = {}
    for alert in alerts:
        if alert.status is AlertStatus.FIRING:
            hosts.setdefault(alert.name, set()).add(alert.host_hint or alert.fingerprint)
    return {name: len(found) for name, found in hosts.items()}


def precheck(alert: Alert, host: Host | None) -> Proposal | None:
    """Decisions that need no planner: resolved alerts and unknown hosts."""
    if alert.status is AlertStatus.RESOLVED:
        return Proposal(decision=Decision.NONE, rationale="the alert is resolved; nothing to do")
    if host is None:
        return Proposal(
            decision=Decision.ESCALATE,
            rationale=(
                f"the alert names host {alert.host_hint!r}, which is not in the inventory; "
                "remediate never guesses a target"
                if alert.host_hint
                else "the alert names no host; remediate never guesses a target"
            ),
        )
    return None


def _aliases(host: Host) -> dict[str, str]:
    """The host's ``service_aliases`` var (alias -> listed service); other entries ignored."""
    raw = host.vars.get("service_aliases") or {}
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): str(v) for k, v in raw.items() if str(v) in host.services}


def retrieval_query(context_text: str, observations: Mapping[str, str]) -> str:
    """The alert, the facts read from the observations, then their most telling lines."""
    salient = [
        line.strip()
        for text in observations.values()
        for line in text.splitlines()
        if _SALIENT.search(line)
    ]
    facts = summarize(read_facts(observations.values()))
    return "\n".join([context_text, *facts[:MAX_SALIENT_LINES], *salient[:MAX_SALIENT_LINES]])


def decide(
    alert: Alert,
    host: Host,
    observations: Mapping[str, str],
    *,
    catalog: Catalog,
    inventory: Inventory,
    retrieve: Retrieve,
    planner: Planner,
    names: Sanitizer,
    fleet_size: int = 1,
) -> Decided:
    clean_alert = names.sanitize(alert.text())
    clean_obs = {action: names.sanitize(text) for action, text in observations.items()}
    labels = {names.sanitize(k): names.sanitize(v) for k, v in alert.labels.items()}
    # The index was scrubbed when it was built; hosts added to the inventory since are not.
    citations = [
        c.model_copy(
            update={"title": names.sanitize(c.title), "snippet": names.sanitize(c.snippet)}
        )
        for c in retrieve(retrieval_query(clean_alert, clean_obs))
    ]
    context = PlanningContext(
        alert_name=names.sanitize(alert.name),
        alert_status=alert.status.value,
        alert_text=clean_alert,
        alert_labels=labels,
        host=names.sanitize(host.name),
        host_services=list(host.services),
        service_manager=host.service_manager,
        service_aliases=_aliases(host),
        killable=[str(name) for name in host.vars.get("killable") or []],
        fleet_size=fleet_size,
        observations=clean_obs,
        citations=citations,
        actions=action_specs(catalog),
    )
    try:
        answer = planner.plan(context)
    except PlannerUnavailable as exc:
        return Decided(
            final=Proposal(decision=Decision.ESCALATE, rationale=f"planner unavailable: {exc}"),
            context=context,
        )
    try:
        final = guard(
            answer,
            context,
            catalog=catalog,
            inventory=inventory,
            incident_host=host.name,
            names=names,
        )
    except PolicyViolation as exc:
        refused = Proposal(
            decision=Decision.ESCALATE,
            rationale="the planner's answer was refused by the guard: " + "; ".join(exc.reasons),
            planner=answer.planner,
        )
        return Decided(
            final=refused, context=context, planner_answer=answer, violations=exc.reasons
        )
    final = final.model_copy(update={"rationale": names.restore(final.rationale)})
    return Decided(final=final, context=context, planner_answer=answer)

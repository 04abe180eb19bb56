"""The guard: one check for every planner's answer before anything can run.

A proposal passes only if its action is a write action in the catalog, its
parameters validate against their types, it targets the incident's own host
(which must be in the inventory), an inventory-bound parameter (a service to
restart, a process to kill) is listed under that key of that host, it invents
no pseudonym, and every citation is one that retrieval returned. A write the gathered
facts contradict is refused too, whichever planner proposed it: a restart of a service the
facts show running with no failure of it, or stopped by its start limit, or that nothing
gathered shows failing; a kill of a process the facts do not show running; a cleanup with no
full filesystem in the facts, or of a directory on another filesystem than the alerted one.
The result is the proposal in real names (mapped back from pseudonyms); anything else raises
:class:`PolicyViolation`.
"""

from __future__ import annotations

import re
from typing import Protocol

from remediate.catalog import Catalog
from remediate.diagnosis import FAILED_EVENT, SERVICE_LABELS, alert_filesystem, filesystem_of
from remediate.errors import PolicyViolation
from remediate.evidence import Facts, StartCause, read_facts, service_name
from remediate.inventory import Inventory
from remediate.models import Decision, ParamValue, Proposal
from remediate.planning import PlanningContext

# systemd's "Started <unit> - <description>." and supervisord's "success: <program> entered
# RUNNING state": the service came back after an earlier failure.
_RECOVERED = re.compile(
    r"^(?:Started (?P<unit>[\w.@:-]+?\.service)\b|"
    r"(?:INFO )?success: (?P<program>[\w.@:-]+) entered RUNNING state)"
)


class PseudonymMap(Protocol):
    def restore(self, text: str) -> str: ...

    def restore_value(self, value: ParamValue) -> ParamValue: ...

    def unknown_pseudonyms(self, text: str) -> set[str]: ...


def check_citations(proposal: Proposal, context: PlanningContext) -> list[str]:
    allowed = context.citation_refs()
    return [
        f"citation {ref!r} was not returned by retrieval"
        for ref in proposal.citations
        if ref not in allowed
    ]


def guard(
    proposal: Proposal,
    context: PlanningContext,
    *,
    catalog: Catalog,
    inventory: Inventory,
    incident_host: str,
    names: PseudonymMap,
) -> Proposal:
    """Validate ``proposal``; return it with real host and parameter values."""
    problems = check_citations(proposal, context)
    invented = names.unknown_pseudonyms(
        " ".join([proposal.host or "", *map(str, proposal.params.values())])
    )
    problems += [f"{p} is not a pseudonym of this incident" for p in sorted(invented)]
    if proposal.decision is not Decision.PROPOSE:
        if proposal.action or proposal.params:
            problems.append(f"a {proposal.decision} answer carries no action or parameters")
        if problems:
            raise PolicyViolation(problems)
        return proposal
    if not proposal.action or proposal.action not in catalog:
        raise PolicyViolation([*problems, f"{proposal.action!r} is not in the catalog"])
    action = catalog.get(proposal.action)
    if action.read_only:
        problems.append(f"{action.id} is read-only; it cannot be proposed as a fix")
    if not proposal.citations:
        problems.append("a proposal must cite the runbook or ticket it rests on")
    host = str(names.restore_value(proposal.host or ""))
    if host not in inventory:
        problems.append(f"target {proposal.host!r} is not an inventory host")
    elif host != incident_host:
        problems.append(f"target {proposal.host!r} is not the host this alert is about")
    params = {k: names.restore_value(v) for k, v in proposal.params.items()}
    params = action.with_defaults(params)
    problems += action.validate_params(params)
    if host in inventory:
        listed = inventory.get(host)
        for name, spec in action.parameters.items():
            if spec.inventory is None or name not in params:
                continue
            allowed = listed.allowlist(spec.inventory)
            if params[name] not in allowed:
                problems.append(
                    f"{name}={params[name]!r} is not listed under {spec.inventory} of {host}"
                    + ("" if allowed else f" (the host lists no {spec.inventory})")
                )
    if not problems:
        problems = contradictions(action.id, params, context)
    if problems:
        raise PolicyViolation(problems)
    return proposal.model_copy(update={"host": host, "params": params})


def contradictions(
    action: str, params: dict[str, ParamValue], context: PlanningContext
) -> list[str]:
    """Why the facts read from the incident's evidence rule this write out (empty: they do
    not). Without the relevant facts nothing is contradicted: the other checks still apply."""
    facts = read_facts([context.alert_text, *context.observations.values()])
    if action == "restart_service":
        return _restart_contradicted(str(params.get("service", "")), facts, context)
    if action == "kill_process":
        process = str(params.get("process", ""))
        running = {p.comm for p in facts.processes}
        running |= {p.exe.rsplit("/", 1)[-1] for p in facts.processes if p.exe}
        if (facts.processes or context.observations) and process not in running:
            return [f"nothing gathered shows a running process named {process!r}"]
        return []
    if action == "free_disk_space":
        path = str(params.get("path", ""))
        alerted = alert_filesystem(facts.filesystems, context.alert_labels.get("mountpoint"))
        if alerted is None:
            return [f"nothing gathered shows a full filesystem holding {path}"]
        holder = filesystem_of(path, [f.mount for f in facts.filesystems])
        if holder != alerted.mount:
            return [
                f"{path} is on {holder}, not on {alerted.mount}, the filesystem the alert is about"
            ]
    return []


def _restart_contradicted(service: str, facts: Facts, context: PlanningContext) -> list[str]:
    def ours(name: str | None) -> bool:
        if not name:
            return False
        bare = service_name(name.strip().rsplit("/", 1)[-1])
        return service in (bare, context.service_aliases.get(bare))

    states = [s for s in facts.services if ours(s.unit)]
    loops = [
        f.line for f in facts.start_failures if f.cause is StartCause.RESTART_LOOP and ours(f.unit)
    ]
    if any(s.result == "start-limit-hit" for s in states) or loops:
        return [
            f"the facts show {service} stopped by its start limit (a restart loop): a restart "
            "would fail the same way"
        ]
    # A failure in the journal counts unless the service was started again after it.
    failed_event = False
    for event in facts.events:
        if ours(event.unit) and FAILED_EVENT.search(event.message):
            failed_event = True
        recovered = _RECOVERED.match(event.message)
        if recovered and ours(recovered["unit"] or recovered["program"]):
            failed_event = False
    failed = (
        failed_event
        or any(ours(k.unit) or ours(k.process) for k in facts.oom_kills)
        or any(ours(c.unit) for c in facts.crashes)
        or any(ours(f.process) for f in facts.deleted_files)
    )
    # A running service may still need a restart (hung, leaking): then the alert names it.
    named = any(ours(context.alert_labels.get(key)) for key in SERVICE_LABELS) or bool(
        re.search(rf"(?<![\w-]){re.escape(service)}(?![\w-])", context.alert_text)
    )
    running = [s for s in states if s.active == "active" and s.sub in (None, "running")]
    if states and len(running) == len(states) and not failed and not named:
        return [
            f"the facts show {service} active (running), no failure of it, and the alert does "
            "not name it: nothing to restart"
        ]
    down = [s for s in states if s not in running]
    if context.observations and not (failed or named or down):
        return [
            f"nothing gathered shows {service} failing and the alert does not name it: a "
            "restart would be a guess"
        ]
    return []

"""The guard: one check for every planner's answer before anything can run.

A proposal passes only if its action is a write action in the catalog, its
parameters validate against their types, it targets the incident's own host
(which must be in the inventory), an inventory-bound parameter (a service to
restart, a process to kill) is listed under that key of that host, it invents
no pseudonym, and every citation is one that retrieval returned. The result is
the proposal in real names (mapped back from pseudonyms); anything else raises
:class:`PolicyViolation`.
"""

from __future__ import annotations

from typing import Protocol

from remediate.catalog import Catalog
from remediate.errors import PolicyViolation
from remediate.inventory import Inventory
from remediate.models import Decision, ParamValue, Proposal
from remediate.planning import PlanningContext


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
    if problems:
        raise PolicyViolation(problems)
    return proposal.model_copy(update={"host": host, "params": params})

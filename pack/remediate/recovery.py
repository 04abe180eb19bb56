"""Recovery: every incident a dead process left behind, brought to a terminal or
human-actionable state, without ever running a write again.

``remediate recover`` is idempotent and safe at any time (a long-running service runs it
at start): it only touches incidents whose worker (lease: host, pid, start time,
heartbeat) is gone, and it takes each one over with the same conditional write every
transition uses, so two recoveries never both act.

================  ==========================================================
left in           recovery
================  ==========================================================
received,         investigate again (read-only), at most ``MAX_ATTEMPTS`` in all,
investigating     then escalate
proposed          dry run again (check mode) and open the inquiry, or escalate
approved          run it exactly once if the approval is still valid (before the
                  inquiry's deadline), else expire: nothing runs
executing         "outcome unknown" on the timeline; run only the read-only
                  verification; end verified or failed
awaiting_approval expire when due (and tell the route)
================  ==========================================================

Run directories of dead processes (raw ansible-runner artifacts) are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from remediate.ansible_executor import purge_dead_runs
from remediate.catalog import load_catalog
from remediate.errors import RemediateError
from remediate.inventory import load_inventory
from remediate.lease import Heartbeat, owner_alive, process_owner
from remediate.models import Incident, IncidentStatus
from remediate.state import WORKING

if TYPE_CHECKING:
    from remediate.pipeline import Engine

S = IncidentStatus


@dataclass(frozen=True)
class Recovered:
    incident_id: str
    was: IncidentStatus
    now: IncidentStatus
    action: str


def recover(engine: Engine) -> list[Recovered]:
    purge_dead_runs(engine.settings.runs_dir)
    results = [
        Recovered(i.id, S.AWAITING_APPROVAL, S.EXPIRED, "inquiry expired")
        for i in engine.expire_inquiries()
    ]
    for incident in engine.store.incidents_in(WORKING):
        owner, beat = engine.store.lease(incident.id)
        if owner and owner_alive(owner, beat):
            continue
        try:
            action = _recover_one(engine, incident)
        except RemediateError as exc:
            action = f"left as it was: {type(exc).__name__}: {exc}"
        now = engine.store.get_incident(incident.id).status
        results.append(Recovered(incident.id, incident.status, now, action))
    return results


def _recover_one(engine: Engine, incident: Incident) -> str:
    from remediate.execution import execute, finish, verify
    from remediate.investigation import dry_run_and_ask, resume

    if incident.status in (S.RECEIVED, S.INVESTIGATING):
        resume(engine, incident)
        return "investigation resumed (read-only)"
    if incident.status is S.PROPOSED:
        dry_run_and_ask(engine, incident, takeover=True)
        return "dry run again"
    if incident.status is S.APPROVED:
        execute(engine, incident.id, takeover=True)
        return "approved run started once (or expired: approval no longer valid)"
    assert incident.status is S.EXECUTING
    proposal, binding = incident.proposal, incident.binding
    assert proposal is not None and proposal.action is not None and proposal.host is not None
    assert binding is not None
    owner, _ = engine.store.lease(incident.id)
    incident = engine.store.transition(
        incident.id,
        S.EXECUTING,
        "outcome unknown",
        f"the process running {proposal.action} ({owner}) died; verifying read-only, "
        "the write is not run again",
        expected={S.EXECUTING},
        takeover=True,
    )
    catalog = load_catalog(engine.settings.catalog, syntax_check=False)
    action = catalog.get(proposal.action)
    host = load_inventory(engine.settings.inventory).get(proposal.host)
    with Heartbeat(engine.settings.database, incident.id, process_owner()):
        verification = verify(engine, incident, action, host.vars, binding.verify_playbook, None)
    finish(engine, incident, verification)
    return "outcome unknown: verified read-only"

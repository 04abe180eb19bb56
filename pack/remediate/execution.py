"""Execution: run exactly the approved proposal, at most once, then verify it.

Before anything runs, the binding is computed again from what is on disk now (the
playbook and verify playbook bytes, the catalog entry, the target's inventory
variables) and compared with the one the approval covers: any difference escalates
and nothing runs. Then ``approved → executing`` is claimed in one conditional write:
of two processes only one gets it. The run uses the host variables that were bound
(written into the run's own inventory), under a lease with a heartbeat so that
recovery can tell a running execution from one whose process died. Verification is
read-only and decides the outcome; a write is never retried automatically.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from remediate import failpoint
from remediate.binding import bind
from remediate.catalog import Action, load_catalog
from remediate.drafts import record_drafts
from remediate.errors import ApprovalMismatch, BindingChanged, RemediateError
from remediate.inquiry import approval_valid
from remediate.inventory import load_inventory
from remediate.lease import Heartbeat, process_owner
from remediate.models import (
    Check,
    Execution,
    ExecutionStatus,
    Incident,
    IncidentStatus,
    Inquiry,
    Verification,
    VerificationStatus,
)
from remediate.pipeline import Outcome

if TYPE_CHECKING:
    from remediate.pipeline import Engine

S = IncidentStatus
OUTPUTS_TASK = "Outputs"
"""A write playbook's task whose ``msg`` is a mapping of values its verification needs
(``kill_process``: the PIDs it signalled)."""


def approved_inquiry(engine: Engine, incident: Incident) -> Inquiry:
    approved = [i for i in engine.store.inquiries_for(incident.id) if i.approved]
    if not approved:
        raise ApprovalMismatch(f"incident {incident.id} has no approved inquiry")
    return approved[-1]


def execute(engine: Engine, incident_id: str, *, takeover: bool = False) -> Outcome:
    incident = engine.store.get_incident(incident_id)
    proposal, bound = incident.proposal, incident.binding
    if proposal is None or proposal.action is None or proposal.host is None or bound is None:
        raise ApprovalMismatch(f"incident {incident_id} has no proposal to execute")
    inquiry = approved_inquiry(engine, incident)
    if takeover and not approval_valid(inquiry):
        incident = engine.store.transition(
            incident.id,
            S.EXPIRED,
            "approval no longer valid",
            f"approved by {inquiry.responder} but never started before the inquiry's deadline; "
            "nothing ran",
            expected={S.APPROVED},
            takeover=True,
        )
        record_drafts(engine, incident)
        return Outcome(incident)
    try:
        catalog = load_catalog(engine.settings.catalog, syntax_check=False)
        host = load_inventory(engine.settings.inventory).get(proposal.host)
        current = bind(proposal, catalog, host.vars, incident.nonce)
        changed = bound.differences(current) if current.hash != inquiry.proposal_hash else []
    except (RemediateError, OSError) as exc:
        changed = [f"unreadable ({exc})"]
    if changed or bound.hash != inquiry.proposal_hash:
        from remediate.investigation import escalate

        reason = (
            "what the approval covers changed since it was given "
            f"({', '.join(changed) or 'binding'}): nothing ran; investigate again"
        )
        escalate(engine, incident, reason, takeover=takeover)
        raise BindingChanged(changed or ["binding"])
    action = catalog.get(proposal.action)
    incident = engine.store.transition(
        incident.id,
        S.EXECUTING,
        "executing",
        f"{action.id} (claimed by {process_owner()})",
        expected={S.APPROVED},
        takeover=takeover,
    )
    failpoint.hit("execution.claimed")
    with Heartbeat(engine.settings.database, incident.id, process_owner()):
        try:
            raw = engine.executor.run(
                action=action.id,
                playbook=catalog.playbook_path(action.playbook),
                host=proposal.host,
                host_vars=host.vars,
                params=proposal.params,
                timeout=min(action.timeout, engine.settings.run_timeout),
                expected_digest=current.playbook,
            )
        except RemediateError as exc:
            incident = engine.store.transition(
                incident.id, S.FAILED, "execution failed", engine.scrub(incident.id, str(exc))
            )
            record_drafts(engine, incident)
            raise
        engine.store.save_execution(incident.id, engine.scrub_execution(incident.id, raw))
        failpoint.hit("execution.done")
        verification = verify(engine, incident, action, host.vars, current.verify_playbook, raw)
    return finish(engine, incident, verification)


def finish(engine: Engine, incident: Incident, verification: Verification) -> Outcome:
    engine.store.save_verification(incident.id, verification)
    ok = verification.status is VerificationStatus.VERIFIED
    detail = "; ".join(f"{'ok' if c.ok else 'FAILED'}: {c.name}" for c in verification.checks)
    incident = engine.store.transition(
        incident.id,
        S.VERIFIED if ok else S.FAILED,
        f"verification {verification.status}",
        engine.scrub(incident.id, detail),
        expected={S.EXECUTING},
    )
    record_drafts(engine, incident)
    if ok:
        from remediate.learning import learn

        learn(engine, incident)
        incident = engine.store.get_incident(incident.id)
    return Outcome(incident)


def verify(
    engine: Engine,
    incident: Incident,
    action: Action,
    host_vars: dict[str, Any],
    verify_digest: str | None,
    run: Execution | None,
) -> Verification:
    """Read-only confirmation. ``run`` is None when the outcome of the write is unknown (its
    process died): then the verification alone decides."""
    proposal = incident.proposal
    assert proposal is not None and proposal.host is not None
    checks = []
    if run is not None:
        checks.append(
            Check(
                name=f"playbook {run.run_id} {run.status}",
                ok=run.status is ExecutionStatus.SUCCESSFUL,
            )
        )
    verifiable = run is None or run.status is ExecutionStatus.SUCCESSFUL
    if verifiable and action.verify is not None:
        params: dict[str, Any] = {
            k: proposal.params[k] for k in action.verify.params if k in proposal.params
        }
        params.update(_outputs(run, action.verify.outputs) if run is not None else {})
        failpoint.hit("verify.start")
        check_run = engine.executor.run(
            action=f"verify:{action.id}",
            playbook=engine.catalog.playbook_path(action.verify.playbook),
            host=proposal.host,
            host_vars=host_vars,
            params=params,
            timeout=min(action.timeout, engine.settings.run_timeout),
            expected_digest=verify_digest,
        )
        engine.store.save_execution(incident.id, engine.scrub_execution(incident.id, check_run))
        # A check skipped by a condition (the systemd branch on a supervisord host) is no check.
        named = [
            e for e in check_run.events if e.task.startswith("Check:") and e.status != "skipped"
        ]
        checks += [
            Check(
                name=e.task.removeprefix("Check:").strip(),
                ok=e.status in ("ok", "changed"),
                detail=engine.scrub(incident.id, e.detail[:500]),
            )
            for e in named
        ]
        checks.append(
            Check(
                name=f"verification playbook {check_run.status}",
                ok=check_run.status is ExecutionStatus.SUCCESSFUL,
            )
        )
    needed = 2 if run is not None else 1
    ok = all(c.ok for c in checks) and len(checks) >= needed and action.verify is not None
    return Verification(
        status=VerificationStatus.VERIFIED if ok else VerificationStatus.FAILED, checks=checks
    )


def _outputs(run: Execution, wanted: list[str]) -> dict[str, str]:
    """Values the write run reported for its verification (its ``Outputs`` task)."""
    found: dict[str, str] = {}
    for event in run.events:
        if event.task != OUTPUTS_TASK or not event.detail:
            continue
        try:
            data = json.loads(event.detail)
        except ValueError:
            continue
        if isinstance(data, dict):
            found.update({k: str(v) for k, v in data.items() if k in wanted})
    return found

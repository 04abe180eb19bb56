"""Investigation: an alert from intake to a pending inquiry, an escalation, or nothing to do.

Each alert of a payload is handled on its own (a malformed one becomes an escalated
record, a defect in one does not stop the others); at most ``intake.max_alerts`` are
investigated and the rest are reported as one storm escalation. The alert is sanitized
before it is stored; deduplication happens in the same transaction that records it
(:meth:`remediate.store.Store.open_incident`). Gather runs only read-only playbooks; the
dry run is check mode. Nothing here can run a write.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from remediate import failpoint, intake
from remediate import inquiry as inquiries
from remediate.binding import bind
from remediate.catalog import Risk
from remediate.decision import Decided, decide, fleet_sizes, precheck
from remediate.drafts import record_drafts
from remediate.errors import RemediateError
from remediate.evidence.gathered import sanitize_json
from remediate.gather import gather, observations_by_action
from remediate.inventory import Host
from remediate.lease import Heartbeat, process_owner
from remediate.models import (
    Alert,
    AlertSource,
    AlertStatus,
    Citation,
    Decision,
    ExecutionStatus,
    Incident,
    IncidentStatus,
    InquiryStatus,
    Observation,
    ObservationFormat,
    ObservationStatus,
    utcnow,
)
from remediate.pipeline import Outcome, restore_alert, sanitize_alert
from remediate.sanitizer import Sanitizer

if TYPE_CHECKING:
    from remediate.pipeline import Engine

S = IncidentStatus
MAX_ATTEMPTS = 3
"""Investigations started for one incident (the first and two resumed after a crash)."""


def new_incident_id(now: datetime | None = None) -> str:
    """``RMD-<date>-<16 base32 characters>``: 80 random bits, unique at any rate we see."""
    token = secrets.token_bytes(10)
    return f"RMD-{(now or utcnow()):%Y%m%d}-{base64.b32encode(token).decode().lower()}"


def investigate(
    engine: Engine,
    payload: bytes | str | Mapping[str, Any] | list[Any],
    *,
    triggered_by: str | None = None,
    st2_workflow: str | None = None,
) -> list[Outcome]:
    limit = max(intake.MAX_PAYLOAD_BYTES, engine.settings.server.max_body)
    batch = (
        intake.read_payload(payload, limit)
        if isinstance(payload, bytes | str)
        else intake.read_batch(payload)
    )
    engine.expire_inquiries()
    cap = engine.settings.intake.max_alerts
    handled, overflow = batch.alerts[:cap], batch.alerts[cap:]
    sizes = fleet_sizes(batch.alerts)
    extra = {"triggered_by": triggered_by, "st2_workflow": st2_workflow}
    outcomes = []
    for alert in handled:
        outcomes.append(_isolated(engine, alert, sizes.get(alert.name, 1), extra))
    for rejected in batch.rejected:
        outcomes.append(_record_rejected(engine, rejected, extra))
    if overflow or batch.truncated:
        outcomes.append(_record_storm(engine, overflow, batch.truncated, cap, extra))
    return outcomes


def _isolated(engine: Engine, alert: Alert, fleet_size: int, extra: dict[str, Any]) -> Outcome:
    try:
        return investigate_alert(engine, alert, fleet_size, **extra)
    except _Aborted as stop:
        return stop.outcome


class _Aborted(Exception):
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


def investigate_alert(
    engine: Engine,
    alert: Alert,
    fleet_size: int = 1,
    *,
    triggered_by: str | None = None,
    st2_workflow: str | None = None,
) -> Outcome:
    host = engine.inventory.resolve(alert.host_hint)
    unknown = [alert.host_hint] if alert.host_hint and host is None else []
    names = engine.sanitizer_for(extra_hosts=unknown)
    stored = sanitize_alert(alert, names)
    incident = Incident(
        id=new_incident_id(),
        alert=stored,
        host=host.name if host else None,
        triggered_by=triggered_by,
        st2_workflow=st2_workflow,
    )
    opened = engine.store.open_incident(
        incident, "alert received", f"{alert.source} ({alert.status}): {stored.name}"
    )
    if opened.duplicate:
        return Outcome(opened.incident, duplicate=True)
    incident = opened.incident
    engine.store.save_mapping(incident.id, names.mapping())
    failpoint.hit("intake.saved")
    return continue_investigation(engine, incident, alert, names, fleet_size)


def resume(engine: Engine, incident: Incident) -> Outcome:
    """Recovery: investigate again an incident whose investigation died (read-only work)."""
    names = engine.sanitizer_for(incident.id)
    alert = restore_alert(incident.alert, names)
    if incident.attempts >= MAX_ATTEMPTS:
        return escalate(
            engine,
            incident,
            f"the investigation was interrupted {incident.attempts} times; not trying again",
            takeover=True,
        )
    return continue_investigation(engine, incident, alert, names, 1, takeover=True)


def continue_investigation(
    engine: Engine,
    incident: Incident,
    alert: Alert,
    names: Sanitizer,
    fleet_size: int,
    *,
    takeover: bool = False,
) -> Outcome:
    host = engine.inventory.resolve(alert.host_hint)
    early = precheck(alert, host)
    if early is not None or host is None:
        assert early is not None
        return _finish_without_action(engine, incident, Decided(final=early), names, takeover)
    try:
        incident = engine.store.transition(
            incident.id,
            S.INVESTIGATING,
            "investigating",
            host.name + (" (resumed after a crash)" if takeover else ""),
            expected={S.RECEIVED, S.INVESTIGATING},
            updates={"attempts": incident.attempts + 1},
            takeover=takeover,
        )
        with Heartbeat(engine.settings.database, incident.id, process_owner()):
            observations = _gather(engine, incident, host, names)
            decided = decide(
                alert,
                host,
                observations,
                catalog=engine.catalog,
                inventory=engine.inventory,
                retrieve=lambda q: engine.index.search(q, k=10),
                planner=engine.planner,
                names=names,
                fleet_size=fleet_size,
            )
    except RemediateError as exc:
        engine.store.save_mapping(incident.id, names.mapping())
        return escalate(engine, incident, f"investigation failed: {exc}")
    except Exception as exc:  # a defect must not leave the incident half-handled
        engine.store.save_mapping(incident.id, names.mapping())
        outcome = escalate(engine, incident, f"internal error: {type(exc).__name__}: {exc}")
        raise _Aborted(outcome) from exc
    engine.store.save_mapping(incident.id, names.mapping())
    transcript = getattr(engine.planner, "transcript", None)
    if transcript:  # the LLM conversation, sanitized text only, kept for audit
        engine.store.save_draft(
            incident.id, "planner-transcript", "LLM conversation", json.dumps(transcript), None
        )
    if decided.final.decision is not Decision.PROPOSE:
        return _finish_without_action(engine, incident, decided, names, False)
    return propose(engine, incident, decided, names)


def _gather(engine: Engine, incident: Incident, host: Host, names: Sanitizer) -> dict[str, str]:
    """Run the read-only playbooks; store their sanitized output; return the raw text."""
    gathered = gather(
        engine.executor,
        engine.catalog,
        engine.settings.gather,
        host,
        timeout=engine.settings.run_timeout,
    )
    for item in gathered:
        status = ObservationStatus.OK if item.ok else ObservationStatus.FAILED
        if item.execution.facts is not None:  # host_facts: its JSON, then the texts made of it
            clean = sanitize_json(item.execution.facts, names.sanitize)
            engine.store.save_observation(
                incident.id,
                Observation(
                    action=item.action,
                    host=host.name,
                    status=status,
                    text=json.dumps(clean, sort_keys=True),
                    format=ObservationFormat.JSON,
                ),
            )
        texts = item.texts() if item.execution.facts is not None else {item.action: item.text()}
        for action, text in texts.items():
            engine.store.save_observation(
                incident.id,
                Observation(
                    action=action, host=host.name, status=status, text=names.sanitize(text)
                ),
            )
    summary = ", ".join(f"{g.action}:{g.execution.status}" for g in gathered)
    engine.store.note(incident.id, "gathered", summary)
    return observations_by_action(gathered)


def propose(engine: Engine, incident: Incident, decided: Decided, names: Sanitizer) -> Outcome:
    proposal = decided.final
    assert proposal.action is not None and proposal.host is not None
    host = engine.inventory.get(proposal.host)
    binding = bind(proposal, engine.catalog, host.vars, incident.nonce)
    citations = readable(engine, decided.context.citations if decided.context else [])
    stored = proposal.model_copy(update={"rationale": names.sanitize(proposal.rationale)})
    incident = engine.store.transition(
        incident.id,
        S.PROPOSED,
        "proposed",
        stored.rationale,
        expected={S.INVESTIGATING},
        updates={
            "proposal": stored,
            "proposal_hash": binding.hash,
            "binding": binding,
            "citations": citations,
        },
    )
    failpoint.hit("proposal.saved")
    return dry_run_and_ask(engine, incident)


def dry_run_and_ask(engine: Engine, incident: Incident, *, takeover: bool = False) -> Outcome:
    """Check mode with diff, then the inquiry. Used again by recovery for a proposal whose
    process died before the inquiry opened."""
    proposal, binding = incident.proposal, incident.binding
    assert proposal is not None and proposal.action is not None and proposal.host is not None
    assert binding is not None
    approval = engine.settings.approval
    if not approval.users and not approval.roles:
        return escalate(
            engine,
            incident,
            "no approvers are configured (approval.users and approval.roles are empty): "
            "nobody may approve, so the proposal goes to a human instead",
            takeover=takeover,
        )
    if takeover:
        incident = engine.store.transition(
            incident.id,
            S.PROPOSED,
            "dry run again",
            "the process that proposed it died before the inquiry opened",
            expected={S.PROPOSED},
            takeover=True,
        )
    action = engine.catalog.get(proposal.action)
    host = engine.inventory.get(proposal.host)
    try:
        with Heartbeat(engine.settings.database, incident.id, process_owner()):
            raw = engine.executor.run(
                action=action.id,
                playbook=engine.catalog.playbook_path(action.playbook),
                host=proposal.host,
                host_vars=host.vars,
                params=proposal.params,
                check_mode=True,
                timeout=min(action.timeout, engine.settings.run_timeout),
                expected_digest=binding.playbook,
            )
    except RemediateError as exc:
        return escalate(engine, incident, f"dry run could not run: {exc}")
    dry = engine.scrub_execution(incident.id, raw)
    engine.store.save_execution(incident.id, dry)
    failpoint.hit("dryrun.done")
    if dry.status is not ExecutionStatus.SUCCESSFUL:
        outcome = escalate(engine, incident, f"dry run {dry.run_id} {dry.status}:\n{dry.output}")
        outcome.dry_run = dry
        return outcome
    needed = approval.policy.get(action.risk.value, 1) if action.risk is not Risk.NONE else 1
    inquiry = inquiries.open_inquiry(
        incident_id=incident.id,
        proposal_hash=binding.hash,
        users=approval.users,
        roles=approval.roles,
        route=approval.route,
        ttl=approval.ttl,
        dry_run=dry.output,
        required_approvals=max(1, needed),
        excluded=[incident.triggered_by] if approval.four_eyes and incident.triggered_by else [],
    )
    with engine.store.atomic() as tx:
        incident = tx.move(
            incident.id,
            S.AWAITING_APPROVAL,
            "inquiry opened",
            f"{inquiry.id} (route {inquiry.route}, ttl {inquiry.ttl} min, "
            f"{inquiry.required_approvals} approver(s) needed for {action.risk} risk); "
            f"dry run {dry.run_id}",
            expected={S.PROPOSED},
        )
        tx.insert_inquiry(inquiry)
    return Outcome(incident, inquiry=inquiry, dry_run=dry)


def escalate(engine: Engine, incident: Incident, reason: str, *, takeover: bool = False) -> Outcome:
    """Hand the incident to a human with a reason (sanitized before it is stored)."""
    clean = engine.scrub(incident.id, reason)
    incident = engine.store.transition(
        incident.id,
        S.ESCALATED,
        "escalated to a human",
        clean,
        updates={"escalation_reason": clean},
        takeover=takeover,
    )
    _supersede_inquiries(engine, incident.id)
    record_drafts(engine, incident)
    return Outcome(incident)


def _supersede_inquiries(engine: Engine, incident_id: str) -> None:
    for pending in engine.store.inquiries_for(incident_id):
        if pending.status is InquiryStatus.PENDING:
            with engine.store.atomic() as tx:
                tx.replace_inquiry(
                    pending,
                    pending.model_copy(update={"status": InquiryStatus.SUPERSEDED}),
                )


def _finish_without_action(
    engine: Engine, incident: Incident, decided: Decided, names: Sanitizer, takeover: bool
) -> Outcome:
    final = decided.final
    citations = readable(engine, decided.context.citations if decided.context else [])
    cited = [c for c in citations if c.ref in final.citations or c.id in final.citations]
    if final.decision is Decision.NONE:
        incident = engine.store.transition(
            incident.id,
            S.CLOSED,
            "closed: nothing to do",
            names.sanitize(names.restore(final.rationale)),
            updates={"citations": cited},
            takeover=takeover,
        )
        return Outcome(incident)
    if cited:
        incident = engine.store.update(incident.id, {"citations": cited}, "cited")
    return escalate(engine, incident, names.restore(final.rationale), takeover=takeover)


def readable(engine: Engine, citations: list[Citation]) -> list[Citation]:
    """Citations as people read them: titles from the local knowledge base, not the
    scrubbed index (the record stays local, like the pseudonym map)."""
    out = []
    for citation in citations:
        if citation.id in engine.kb.tickets:
            title = engine.kb.tickets[citation.id].title
        elif citation.id in engine.kb.runbooks:
            title = engine.kb.runbooks[citation.id].meta.title
        else:
            title = citation.title
        out.append(citation.model_copy(update={"title": title}))
    return out


def _synthetic(name: str, summary: str, raw: object, extra: dict[str, Any]) -> Alert:
    body = json.dumps(raw, sort_keys=True, default=str)[:100_000]
    return Alert(
        source=AlertSource.ALERTMANAGER,
        status=AlertStatus.FIRING,
        name=name,
        summary=summary[:2000],
        fingerprint=hashlib.sha256(f"{name}:{body}".encode()).hexdigest()[:16],
    )


def _record_rejected(engine: Engine, rejected: intake.Rejected, extra: dict[str, Any]) -> Outcome:
    """A malformed alert in an otherwise readable payload: one escalated record, no action."""
    alert = _synthetic("MalformedAlert", rejected.reason, rejected.raw, extra)
    return _record_escalation(engine, alert, f"malformed alert: {rejected.reason}", extra)


def _record_storm(
    engine: Engine, overflow: list[Alert], truncated: int, cap: int, extra: dict[str, Any]
) -> Outcome:
    names = sorted({a.name for a in overflow})
    parts = []
    if overflow:
        parts.append(
            f"{len(overflow)} alerts beyond the cap of {cap} per payload were not investigated"
            f" ({', '.join(names[:10])}{'…' if len(names) > 10 else ''})"
        )
    if truncated:
        parts.append(f"the sender left out {truncated} more alerts (truncatedAlerts)")
    reason = "alert storm: " + "; ".join(parts)
    raw = [[a.fingerprint, a.starts_at] for a in overflow] + [truncated]
    alert = _synthetic("AlertStorm", reason, raw, extra)
    return _record_escalation(engine, alert, reason, extra)


def _record_escalation(engine: Engine, alert: Alert, reason: str, extra: dict[str, Any]) -> Outcome:
    names = engine.sanitizer_for()
    incident = Incident(
        id=new_incident_id(),
        alert=sanitize_alert(alert, names),
        triggered_by=extra.get("triggered_by"),
        st2_workflow=extra.get("st2_workflow"),
    )
    opened = engine.store.open_incident(incident, "alert received", incident.alert.name)
    if opened.duplicate:
        return Outcome(opened.incident, duplicate=True)
    engine.store.save_mapping(opened.incident.id, names.mapping())
    return escalate(engine, opened.incident, reason)

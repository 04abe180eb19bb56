"""The service functions every shell calls: investigate an alert, answer an inquiry, execute.

``investigate`` takes an alert from intake to a pending inquiry (or an
escalation) and returns: approval is persisted state, not a blocking call.
``respond`` records a human's answer in StackStorm's order and, when it
approves, resumes the incident with ``execute``, which runs exactly the
approved playbook, verifies, and writes the drafts. Every step lands in the
incident's timeline.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from remediate import inquiry as inquiries
from remediate import intake, notify
from remediate.ansible_executor import AnsibleExecutor
from remediate.catalog import Catalog, load_catalog
from remediate.config import Settings
from remediate.decision import Decided, decide, fleet_sizes, new_sanitizer, precheck
from remediate.embeddings import Embedder, make_embedder
from remediate.errors import ApprovalMismatch, RemediateError, UsageError
from remediate.gather import gather, observations_by_action
from remediate.inventory import Host, Inventory, load_inventory
from remediate.kb import KnowledgeBase, load_kb, parse_ticket, scan, ticket_chunk, write_ticket
from remediate.lancedb_index import IngestReport, KnowledgeIndex
from remediate.memory import learned_ticket, next_ticket_id
from remediate.models import (
    Alert,
    Check,
    Citation,
    Decision,
    Execution,
    ExecutionStatus,
    Incident,
    IncidentStatus,
    Inquiry,
    InquiryStatus,
    Observation,
    ObservationStatus,
    Verification,
    VerificationStatus,
    utcnow,
)
from remediate.planning import Planner
from remediate.sanitizer import Sanitizer
from remediate.state import transition
from remediate.store import Store


def new_incident_id(now: datetime | None = None) -> str:
    return f"RMD-{(now or utcnow()):%Y%m%d}-{secrets.token_hex(3)}"


@dataclass
class Outcome:
    incident: Incident
    inquiry: Inquiry | None = None
    dry_run: Execution | None = None
    duplicate: bool = False


class Engine:
    """Everything the pipeline needs, built lazily from :class:`Settings`."""

    def __init__(self, settings: Settings, planner: Planner | None = None) -> None:
        self.settings = settings
        self._planner = planner

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog(self.settings.catalog)

    @cached_property
    def inventory(self) -> Inventory:
        return load_inventory(self.settings.inventory)

    @cached_property
    def kb(self) -> KnowledgeBase:
        return load_kb(self.settings.kb, self.settings.learned_dir)

    @cached_property
    def embedder(self) -> Embedder | None:
        return make_embedder(self.settings.embeddings)

    @cached_property
    def index(self) -> KnowledgeIndex:
        return KnowledgeIndex(self.settings.index_dir, self.embedder)

    def index_at(self, directory: Path | None) -> KnowledgeIndex:
        return self.index if directory is None else KnowledgeIndex(directory, self.embedder)

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.database)

    @cached_property
    def executor(self) -> AnsibleExecutor:
        return AnsibleExecutor(self.settings.runs_dir, self.settings.inventory)

    @property
    def planner(self) -> Planner:
        if self._planner is None:
            self._planner = make_planner(self.settings, self.kb, self.catalog)
        return self._planner

    def sanitizer_for(
        self, incident_id: str | None = None, *, extra_hosts: Sequence[str] = ()
    ) -> Sanitizer:
        mapping = self.store.mapping(incident_id) if incident_id else {}
        domains = self.settings.sanitizer.internal_domains
        allow = self.settings.sanitizer.allow
        return new_sanitizer(
            self.inventory, self.catalog, allow, mapping, domains, extra_hosts=extra_hosts
        )

    def ingest(
        self,
        paths: list[Path] | None = None,
        *,
        db: Path | None = None,
        progress: bool | None = None,
    ) -> tuple[IngestReport, list[str]]:
        """Index ``paths`` (default: the configured kb/ and the learned tickets) incrementally.

        Returns the report and the problems (``file:line: message``) of files that
        were skipped; the rest is indexed regardless.
        """
        learned = [self.settings.learned_dir] if self.settings.learned_dir.is_dir() else []
        found = scan(paths or [self.settings.kb, *learned])
        scrubber = self.sanitizer_for()
        report = self.index_at(db).ingest(found.chunks, scrubber.sanitize, progress=progress)
        return report, found.problems

    def add_ticket(self, source: Path, *, db: Path | None = None) -> tuple[str, IngestReport]:
        """A human's ticket: validated, kept with the learned tickets, indexed at once."""
        ticket = parse_ticket(source)
        path = write_ticket(ticket, self.settings.learned_dir)
        return ticket.id, self._index_ticket(path, db)

    def _index_ticket(self, path: Path, db: Path | None = None) -> IngestReport:
        chunk = ticket_chunk(parse_ticket(path), path.resolve())
        scrubber = self.sanitizer_for()
        report = self.index_at(db).ingest([chunk], scrubber.sanitize, prune=False)
        self.__dict__.pop("kb", None)  # the next reader sees the new ticket
        return report

    def learn(
        self,
        incident: Incident,
        *,
        note: str | None = None,
        resolved_by: str | None = None,
        action: str | None = None,
    ) -> str | None:
        """Write the closed incident as a sanitized ticket and index it; never fails the
        incident: a problem lands in the timeline instead."""
        try:
            taken = set(self.kb.tickets)
            hint = incident.alert.host_hint
            names = self.sanitizer_for(
                incident.id, extra_hosts=[hint] if hint and incident.host is None else []
            )
            ticket = learned_ticket(
                incident,
                self.store.observations(incident.id),
                names,
                ticket_id=next_ticket_id(taken),
                today=utcnow().date(),
                note=note,
                resolved_by=resolved_by,
                action=action,
            )
            path = write_ticket(ticket, self.settings.learned_dir)
            self._index_ticket(path)
        except RemediateError as exc:
            self.store.save_incident(incident, "not learned", str(exc))
            return None
        self.store.save_incident(incident, "learned", f"{ticket.id} ({ticket.date}) in {path}")
        return ticket.id

    def resolve(
        self, incident_id: str, note: str, *, user: str, action: str | None = None
    ) -> Incident:
        """A human closes an escalated (or failed, rejected, expired) incident with a note;
        the note becomes a ticket the next similar alert cites."""
        incident = self.store.get_incident(incident_id)
        if not note.strip():
            raise UsageError("a resolution needs a note saying what fixed it")
        closed = self._move(incident, IncidentStatus.CLOSED, f"resolved by {user}", note)
        self.learn(closed, note=note, resolved_by=user, action=action)
        return self.store.get_incident(incident_id)

    # ------------------------------------------------------------------ stages

    def investigate(self, payload: bytes | str | Mapping[str, Any]) -> list[Outcome]:
        alerts = (
            intake.parse_payload(payload)
            if isinstance(payload, bytes | str)
            else intake.normalize(payload)
        )
        self.expire_inquiries()
        sizes = fleet_sizes(alerts)
        return [self._investigate_one(alert, sizes.get(alert.name, 1)) for alert in alerts]

    def _investigate_one(self, alert: Alert, fleet_size: int) -> Outcome:
        existing = self.store.open_incident_for(alert.fingerprint)
        if existing is not None and alert.status.value == "firing":
            self.store.save_incident(existing, "duplicate notification ignored")
            return Outcome(existing, duplicate=True)
        host = self.inventory.resolve(alert.host_hint)
        incident = Incident(id=new_incident_id(), alert=alert, host=host.name if host else None)
        incident = self.store.save_incident(
            incident, "alert received", f"{alert.source}: {alert.name}", new=True
        )
        early = precheck(alert, host)
        if early is not None or host is None:
            assert early is not None
            return self._finish_without_action(incident, Decided(final=early), None)
        incident = self._move(incident, IncidentStatus.INVESTIGATING, "investigating", host.name)
        names = self.sanitizer_for()
        try:
            observations = self.gather(incident, host, names)
            decided = decide(
                alert,
                host,
                observations,
                catalog=self.catalog,
                inventory=self.inventory,
                retrieve=lambda q: self.index.search(q, k=10),
                planner=self.planner,
                names=names,
                fleet_size=fleet_size,
            )
        except RemediateError as exc:
            self.store.save_mapping(incident.id, names.mapping())
            return self._escalate(incident, f"investigation failed: {exc}")
        except Exception as exc:  # a defect must not leave the incident half-handled
            self._escalate(incident, f"internal error: {type(exc).__name__}: {exc}")
            raise
        self.store.save_mapping(incident.id, names.mapping())
        transcript = getattr(self.planner, "transcript", None)
        if transcript:  # the LLM conversation, sanitized text only, kept for audit
            self.store.save_draft(
                incident.id, "planner-transcript", "LLM conversation", json.dumps(transcript), None
            )
        if decided.final.decision is not Decision.PROPOSE:
            return self._finish_without_action(incident, decided, names)
        try:
            return self._propose(incident, decided)
        except RemediateError as exc:
            current = self.store.get_incident(incident.id)
            return self._escalate(current, f"dry run could not run: {exc}")

    def gather(self, incident: Incident, host: Host, names: Sanitizer) -> dict[str, str]:
        """Run the read-only playbooks; store their sanitized output; return the raw text."""
        gathered = gather(
            self.executor,
            self.catalog,
            self.settings.gather,
            host,
            timeout=self.settings.run_timeout,
        )
        for item in gathered:
            status = ObservationStatus.OK if item.ok else ObservationStatus.FAILED
            self.store.save_observation(
                incident.id,
                Observation(
                    action=item.action,
                    host=host.name,
                    status=status,
                    text=names.sanitize(item.text()),
                ),
            )
        summary = ", ".join(f"{g.action}:{g.execution.status}" for g in gathered)
        self.store.save_incident(incident, "gathered", summary)
        return observations_by_action(gathered)

    def _propose(self, incident: Incident, decided: Decided) -> Outcome:
        proposal = decided.final
        assert proposal.action is not None and proposal.host is not None
        digest = self.catalog.digest(proposal.action)
        binding = proposal.binding_hash(digest)
        citations = self._readable(decided.context.citations if decided.context else [])
        incident = incident.model_copy(
            update={"proposal": proposal, "proposal_hash": binding, "citations": citations}
        )
        incident = self._move(incident, IncidentStatus.PROPOSED, "proposed", proposal.rationale)
        action = self.catalog.get(proposal.action)
        dry = self.executor.run(
            action=action.id,
            playbook=self.catalog.playbook_path(action.playbook),
            host=proposal.host,
            params=proposal.params,
            check_mode=True,
            timeout=min(action.timeout, self.settings.run_timeout),
            expected_digest=digest,
        )
        self.store.save_execution(incident.id, dry)
        if dry.status is not ExecutionStatus.SUCCESSFUL:
            outcome = self._escalate(incident, f"dry run {dry.run_id} {dry.status}:\n{dry.output}")
            outcome.dry_run = dry
            return outcome
        approval = self.settings.approval
        inquiry = inquiries.open_inquiry(
            incident_id=incident.id,
            proposal_hash=binding,
            users=approval.users,
            roles=approval.roles,
            route=approval.route,
            ttl=approval.ttl,
            dry_run=dry.output,
        )
        self.store.save_inquiry(inquiry)
        incident = self._move(
            incident,
            IncidentStatus.AWAITING_APPROVAL,
            "inquiry opened",
            f"{inquiry.id} (route {inquiry.route}, ttl {inquiry.ttl} min); dry run {dry.run_id}",
        )
        return Outcome(incident, inquiry=inquiry, dry_run=dry)

    def respond(
        self,
        inquiry_id: str,
        response: Mapping[str, Any],
        *,
        user: str,
        execute: bool = True,
        authorized: bool = False,
    ) -> Outcome:
        """Answer an inquiry; an approval resumes the incident (execute, verify, notify).

        ``authorized``: the caller (StackStorm's ``core.ask``) already checked users and roles.
        """
        self.expire_inquiries()
        current = self.store.get_inquiry(inquiry_id)
        answered = inquiries.respond(
            current,
            response,
            user=user,
            role_members=self.settings.approval.role_members,
            authorized=authorized,
        )
        self.store.save_inquiry(answered)
        incident = self.store.get_incident(answered.incident_id)
        comment = f" — {answered.response['comment']}" if answered.response.get("comment") else ""
        if not answered.approved:
            incident = self._move(incident, IncidentStatus.REJECTED, f"rejected by {user}{comment}")
            self._notify(incident)
            return Outcome(incident, inquiry=answered)
        incident = self._move(incident, IncidentStatus.APPROVED, f"approved by {user}{comment}")
        if not execute:
            return Outcome(incident, inquiry=answered)
        return self.execute(incident.id)

    def execute(self, incident_id: str) -> Outcome:
        """Run exactly the approved playbook, then verify and notify."""
        incident = self.store.get_incident(incident_id)
        proposal = incident.proposal
        if proposal is None or proposal.action is None or proposal.host is None:
            raise ApprovalMismatch(f"incident {incident_id} has no proposal to execute")
        approved = [i for i in self.store.inquiries_for(incident_id) if i.approved]
        if not approved:
            raise ApprovalMismatch(f"incident {incident_id} has no approved inquiry")
        action = self.catalog.get(proposal.action)
        digest = self.catalog.digest(action.id)
        inquiries.require_approval(approved[-1], proposal.binding_hash(digest))
        incident = self._move(incident, IncidentStatus.EXECUTING, "executing", proposal.action)
        try:
            run = self.executor.run(
                action=action.id,
                playbook=self.catalog.playbook_path(action.playbook),
                host=proposal.host,
                params=proposal.params,
                timeout=min(action.timeout, self.settings.run_timeout),
                expected_digest=digest,
            )
            self.store.save_execution(incident.id, run)
            verification = self.verify(incident, run)
        except RemediateError as exc:
            incident = self._move(incident, IncidentStatus.FAILED, "execution failed", str(exc))
            self._notify(incident)
            raise
        self.store.save_verification(incident.id, verification)
        status = (
            IncidentStatus.VERIFIED
            if verification.status is VerificationStatus.VERIFIED
            else IncidentStatus.FAILED
        )
        detail = "; ".join(f"{'ok' if c.ok else 'FAILED'}: {c.name}" for c in verification.checks)
        incident = self._move(incident, status, f"verification {verification.status}", detail)
        self._notify(incident)
        if status is IncidentStatus.VERIFIED:
            self.learn(incident)
            incident = self.store.get_incident(incident.id)
        return Outcome(incident)

    def verify(self, incident: Incident, run: Execution) -> Verification:
        proposal = incident.proposal
        assert proposal is not None and proposal.action is not None and proposal.host is not None
        checks = [
            Check(name=f"playbook {run.run_id} {run.status}", ok=run.status.value == "successful")
        ]
        action = self.catalog.get(proposal.action)
        if run.status is ExecutionStatus.SUCCESSFUL and action.verify is not None:
            params = {k: proposal.params[k] for k in action.verify.params if k in proposal.params}
            check_run = self.executor.run(
                action=f"verify:{action.id}",
                playbook=self.catalog.playbook_path(action.verify.playbook),
                host=proposal.host,
                params=params,
                timeout=min(action.timeout, self.settings.run_timeout),
            )
            self.store.save_execution(incident.id, check_run)
            # A check skipped by a condition (the systemd branch on a supervisord host) is no check.
            named = [
                e for e in check_run.events if e.task.startswith("Check:") and e.status != "skipped"
            ]
            checks += [
                Check(
                    name=e.task.removeprefix("Check:").strip(),
                    ok=e.status in ("ok", "changed"),
                    detail=e.detail[:500],
                )
                for e in named
            ]
            checks.append(
                Check(
                    name=f"verification playbook {check_run.status}",
                    ok=check_run.status is ExecutionStatus.SUCCESSFUL,
                )
            )
        ok = all(c.ok for c in checks) and len(checks) > 1
        return Verification(
            status=VerificationStatus.VERIFIED if ok else VerificationStatus.FAILED, checks=checks
        )

    def expire_inquiries(self) -> list[Inquiry]:
        expired = []
        for pending in self.store.list_inquiries(InquiryStatus.PENDING):
            current = inquiries.expire_if_due(pending)
            if current.status is InquiryStatus.TIMEOUT:
                self._record_expiry(current)
                expired.append(current)
        return expired

    def expire_inquiry(self, inquiry_id: str) -> Incident:
        """Expire one inquiry now: its StackStorm ``core.ask`` timed out first."""
        current = self.store.get_inquiry(inquiry_id)
        expired = inquiries.expire_now(current)
        if current.status is InquiryStatus.PENDING:
            self._record_expiry(expired)
        return self.store.get_incident(expired.incident_id)

    def _record_expiry(self, inquiry: Inquiry) -> None:
        self.store.save_inquiry(inquiry)
        incident = self.store.get_incident(inquiry.incident_id)
        self._move(incident, IncidentStatus.EXPIRED, f"inquiry {inquiry.id} timed out")

    # ------------------------------------------------------------------ helpers

    def _move(
        self, incident: Incident, status: IncidentStatus, step: str, detail: str = ""
    ) -> Incident:
        moved = incident.model_copy(update={"status": transition(incident.status, status)})
        return self.store.save_incident(moved, step, detail)

    def _escalate(self, incident: Incident, reason: str) -> Outcome:
        incident = incident.model_copy(update={"escalation_reason": reason})
        incident = self._move(incident, IncidentStatus.ESCALATED, "escalated to a human", reason)
        self._notify(incident)
        return Outcome(incident)

    def _finish_without_action(
        self, incident: Incident, decided: Decided, names: Sanitizer | None
    ) -> Outcome:
        final = decided.final
        rationale = names.restore(final.rationale) if names else final.rationale
        citations = self._readable(decided.context.citations if decided.context else [])
        cited = [c for c in citations if c.ref in final.citations or c.id in final.citations]
        incident = incident.model_copy(update={"citations": cited})
        if final.decision is Decision.NONE:
            incident = self._move(
                incident, IncidentStatus.CLOSED, "closed: nothing to do", rationale
            )
            return Outcome(incident)
        return self._escalate(incident, rationale)

    def _readable(self, citations: list[Citation]) -> list[Citation]:
        """Citations as people read them: titles from the local knowledge base, not the
        scrubbed index (the record stays local, like the pseudonym map)."""
        readable = []
        for citation in citations:
            if citation.id in self.kb.tickets:
                title = self.kb.tickets[citation.id].title
            elif citation.id in self.kb.runbooks:
                title = self.kb.runbooks[citation.id].meta.title
            else:
                title = citation.title
            readable.append(citation.model_copy(update={"title": title}))
        return readable

    def _notify(self, incident: Incident) -> None:
        executions = [e for e in self.store.executions(incident.id) if not e.check_mode]
        writes = [e for e in executions if not e.action.startswith("verify:")]
        verifications = self.store.verifications(incident.id)
        approvals = [i for i in self.store.inquiries_for(incident.id) if i.responder]
        outcome = {
            IncidentStatus.VERIFIED: "resolved",
            IncidentStatus.ESCALATED: "escalated",
            IncidentStatus.FAILED: "failed",
            IncidentStatus.REJECTED: "rejected",
        }.get(incident.status, incident.status.value)
        context = {
            "incident": incident,
            "alert": incident.alert,
            "host": incident.host,
            "outcome": outcome,
            "proposal": incident.proposal,
            "rationale": (
                incident.proposal.rationale if incident.proposal else incident.escalation_reason
            )
            or "",
            "escalation": incident.escalation_reason,
            "execution": writes[-1] if writes else None,
            "verification": verifications[-1] if verifications else None,
            "approver": approvals[-1].responder if approvals else None,
            "citations": _cited(incident),
            "timeline": self.store.timeline(incident.id),
        }
        for draft in notify.render_drafts(context):
            path = notify.write_outbox(self.settings.outbox, incident.id, draft)
            self.store.save_draft(incident.id, draft.kind, draft.subject, draft.body, str(path))


def _cited(incident: Incident) -> list[Citation]:
    if incident.proposal is None:
        return incident.citations
    refs = set(incident.proposal.citations)
    return [c for c in incident.citations if c.ref in refs or c.id in refs]


def make_planner(settings: Settings, kb: KnowledgeBase, catalog: Catalog) -> Planner:
    if settings.planner == "llm":
        from remediate.llm_planner import LLMPlanner

        return LLMPlanner(settings.llm)
    from remediate.offline_planner import OfflinePlanner

    return OfflinePlanner(kb, catalog)

"""The engine: the composition root every shell (CLI, StackStorm action) builds and calls.

It owns the adapters (catalog, inventory, knowledge base and index, SQLite store,
ansible-runner executor, planner), built lazily from :class:`Settings`, and the
incident-scoped sanitizer. The stages live in their own modules and take the engine:

- :mod:`remediate.investigation` — intake → gather → decide → dry run → inquiry;
- :mod:`remediate.approval` — an answer, recorded atomically; expiry;
- :mod:`remediate.execution` — the claim, the run, the verification;
- :mod:`remediate.recovery` — every incident a dead process left behind, brought to a
  terminal or human-actionable state without re-running a write;
- :mod:`remediate.learning` — closed incidents become tickets.

Every status change goes through :meth:`remediate.store.Store.transition` (or
:meth:`remediate.store.Tx.move` inside a larger transaction): one conditional write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from remediate.ansible_executor import AnsibleExecutor
from remediate.catalog import Catalog, load_catalog
from remediate.config import Settings
from remediate.decision import new_sanitizer
from remediate.embeddings import Embedder, make_embedder
from remediate.errors import UsageError
from remediate.inventory import Inventory, load_inventory
from remediate.kb import KnowledgeBase, load_kb, parse_ticket, scan, ticket_chunk
from remediate.lancedb_index import IngestReport, KnowledgeIndex
from remediate.models import (
    Alert,
    Execution,
    Incident,
    Inquiry,
    TaskEvent,
)
from remediate.outbox import Routing
from remediate.planning import Planner
from remediate.sanitizer import Sanitizer
from remediate.store import Store, private_dir


@dataclass
class Outcome:
    incident: Incident
    inquiry: Inquiry | None = None
    dry_run: Execution | None = None
    duplicate: bool = False
    waiting_for: int = 0
    """Approvals still needed before it runs (a quorum policy)."""


class Engine:
    """Everything the pipeline needs, built lazily from :class:`Settings`."""

    def __init__(self, settings: Settings, planner: Planner | None = None) -> None:
        self.settings = settings
        self._planner = planner
        private_dir(settings.state_dir)

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
        return Store(
            self.settings.database, routing=Routing.from_settings(self.settings.notifications)
        )

    @cached_property
    def executor(self) -> AnsibleExecutor:
        return AnsibleExecutor(self.settings.runs_dir)

    @property
    def planner(self) -> Planner:
        if self._planner is None:
            self._planner = make_planner(self.settings, self.kb, self.catalog)
        return self._planner

    # ------------------------------------------------------------------ names

    def sanitizer_for(
        self, incident_id: str | None = None, *, extra_hosts: Sequence[str] = ()
    ) -> Sanitizer:
        mapping = self.store.mapping(incident_id) if incident_id else {}
        domains = self.settings.sanitizer.internal_domains
        allow = self.settings.sanitizer.allow
        return new_sanitizer(
            self.inventory, self.catalog, allow, mapping, domains, extra_hosts=extra_hosts
        )

    def scrub(self, incident_id: str, text: str) -> str:
        """``text`` as it may be stored for this incident (new pseudonyms are kept)."""
        names = self.sanitizer_for(incident_id)
        clean = names.sanitize(text)
        self.store.save_mapping(incident_id, names.mapping())
        return clean

    def scrub_execution(self, incident_id: str, execution: Execution) -> Execution:
        names = self.sanitizer_for(incident_id)
        clean = sanitize_execution(execution, names)
        self.store.save_mapping(incident_id, names.mapping())
        return clean

    def display(self, incident: Incident) -> Incident:
        """The incident as a person reads it: pseudonyms mapped back to real names (secrets
        stay removed: they were never kept)."""
        names = self.sanitizer_for(incident.id)
        proposal = incident.proposal
        return incident.model_copy(
            update={
                "alert": restore_alert(incident.alert, names),
                "escalation_reason": (
                    names.restore(incident.escalation_reason)
                    if incident.escalation_reason
                    else None
                ),
                "proposal": (
                    proposal.model_copy(update={"rationale": names.restore(proposal.rationale)})
                    if proposal
                    else None
                ),
            }
        )

    def restore(self, incident_id: str, text: str) -> str:
        return self.sanitizer_for(incident_id).restore(text)

    # ------------------------------------------------------------------ knowledge base

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
        from remediate.kb import write_ticket

        ticket = parse_ticket(source)
        path = write_ticket(ticket, self.settings.learned_dir)
        return ticket.id, self.index_ticket(path, db)

    def index_ticket(self, path: Path, db: Path | None = None) -> IngestReport:
        chunk = ticket_chunk(parse_ticket(path), path.resolve())
        scrubber = self.sanitizer_for()
        report = self.index_at(db).ingest([chunk], scrubber.sanitize, prune=False)
        self.__dict__.pop("kb", None)  # the next reader sees the new ticket
        return report

    # ------------------------------------------------------------------ stages

    def investigate(
        self,
        payload: bytes | str | Mapping[str, Any] | list[Any],
        *,
        triggered_by: str | None = None,
        st2_workflow: str | None = None,
    ) -> list[Outcome]:
        from remediate.investigation import investigate

        return investigate(self, payload, triggered_by=triggered_by, st2_workflow=st2_workflow)

    def respond(
        self,
        inquiry_id: str,
        response: Mapping[str, Any],
        *,
        user: str,
        execute: bool = True,
        authorized: bool = False,
        via: str = "cli",
    ) -> Outcome:
        """Answer an inquiry; an approval that completes the quorum resumes the incident
        (execute, verify, notify). ``user`` is an identity the shell verified."""
        from remediate.approval import respond

        return respond(
            self, inquiry_id, response, user=user, execute=execute, authorized=authorized, via=via
        )

    def execute(self, incident_id: str) -> Outcome:
        from remediate.execution import execute

        return execute(self, incident_id)

    def expire_inquiries(self) -> list[Inquiry]:
        from remediate.approval import expire_inquiries

        return expire_inquiries(self)

    def expire_inquiry(self, inquiry_id: str) -> Incident:
        from remediate.approval import expire_inquiry

        return expire_inquiry(self, inquiry_id)

    def recover(self) -> list[Any]:
        from remediate.recovery import recover

        return recover(self)

    def resolve(
        self, incident_id: str, note: str, *, user: str, action: str | None = None
    ) -> Incident:
        from remediate.learning import resolve

        if not note.strip():
            raise UsageError("a resolution needs a note saying what fixed it")
        return resolve(self, incident_id, note, user=user, action=action)


def sanitize_execution(execution: Execution, names: Sanitizer) -> Execution:
    """What is stored of a run: every text through the incident's sanitizer."""
    events = [
        TaskEvent(
            task=names.sanitize(e.task),
            host=e.host,
            status=e.status,
            detail=names.sanitize(e.detail),
        )
        for e in execution.events
    ]
    return execution.model_copy(
        update={"events": events, "output": names.sanitize(execution.output)}
    )


def sanitize_alert(alert: Alert, names: Sanitizer) -> Alert:
    """The alert as it may be stored, rendered and indexed. A name made from the message is
    made again from the sanitized message, so it cannot carry what the sanitizer removed."""
    from remediate.intake import name_from_message

    summary = names.sanitize(alert.summary)
    return alert.model_copy(
        update={
            "name": name_from_message(summary)
            if alert.derived_name
            else names.sanitize(alert.name),
            "host_hint": names.sanitize(alert.host_hint) if alert.host_hint else None,
            "labels": {k: names.sanitize(v) for k, v in alert.labels.items()},
            "annotations": {k: names.sanitize(v) for k, v in alert.annotations.items()},
            "summary": summary,
            "description": names.sanitize(alert.description),
        }
    )


def restore_alert(alert: Alert, names: Sanitizer) -> Alert:
    return alert.model_copy(
        update={
            "name": names.restore(alert.name),
            "host_hint": names.restore(alert.host_hint) if alert.host_hint else None,
            "labels": {k: names.restore(v) for k, v in alert.labels.items()},
            "annotations": {k: names.restore(v) for k, v in alert.annotations.items()},
            "summary": names.restore(alert.summary),
            "description": names.restore(alert.description),
        }
    )


def make_planner(settings: Settings, kb: KnowledgeBase, catalog: Catalog) -> Planner:
    if settings.planner == "llm":
        from remediate.llm_planner import LLMPlanner

        return LLMPlanner(settings.llm)
    from remediate.offline_planner import OfflinePlanner

    return OfflinePlanner(kb, catalog)

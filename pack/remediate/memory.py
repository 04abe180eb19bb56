"""Memory that grows: a closed incident becomes a sanitized ticket for the knowledge base.

Pure: given the incident, its (already sanitized) observations and the incident's
sanitizer, build the :class:`~remediate.kb.Ticket` that the next similar alert will
retrieve and cite ("resolved the same way as INC-5123 on 2026-03-02"). The engine
writes it under the learned-tickets directory (never the tracked ``kb/``) and
indexes it incrementally.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from remediate.kb import Ticket
from remediate.models import CitationKind, Incident, Observation
from remediate.sanitizer import Sanitizer

MAX_SYMPTOM_LINES = 6
_SALIENT = re.compile(
    r"error|fail|refused|denied|killed|exited|inactive|dead|no space|oom|timeout|fatal|panic",
    re.IGNORECASE,
)


def next_ticket_id(existing: Iterable[str]) -> str:
    numbers = [int(m[1]) for i in existing if (m := re.fullmatch(r"INC-(\d+)", i))]
    return f"INC-{max(numbers, default=5000) + 1}"


def learned_ticket(
    incident: Incident,
    observations: Iterable[Observation],
    names: Sanitizer,
    *,
    ticket_id: str,
    today: date,
    note: str | None = None,
    resolved_by: str | None = None,
    action: str | None = None,
) -> Ticket:
    """The ticket for a verified fix (no ``note``) or a human resolution (with a ``note``).

    Every free-text field passes through the incident's sanitizer: the ticket
    carries the incident's pseudonyms, never a raw host, address or secret.
    """
    alert, proposal = incident.alert, incident.proposal
    lines = [line.strip() for o in observations for line in o.text.splitlines()]
    salient = [line for line in lines if _SALIENT.search(line)][:MAX_SYMPTOM_LINES]
    symptoms = "\n".join([alert.text(), *salient])
    params = dict(proposal.params) if proposal and note is None else {}
    service = str(
        params.get("service")
        or alert.labels.get("service")
        or alert.labels.get("job")
        or (proposal.action if proposal and proposal.action else "")
        or "unknown"
    )
    runbooks = [c.id for c in incident.citations if c.kind is CitationKind.RUNBOOK]
    if note is None:
        assert proposal is not None and proposal.action is not None
        used = proposal.action
        root_cause = proposal.rationale
        resolution = (
            f"remediate ran {used}({', '.join(f'{k}={v}' for k, v in params.items())}) "
            f"after approval; verification passed (incident {incident.id})."
        )
    else:
        used = action or "manual"
        root_cause = incident.escalation_reason or "escalated to a human"
        who = f" by {resolved_by}" if resolved_by else ""
        resolution = f"Resolved{who} (incident {incident.id}): {note}"
    host = incident.host or alert.host_hint or "unknown"
    return Ticket(
        id=ticket_id,
        date=today,
        title=names.sanitize(f"{alert.name} on {host}: {alert.summary or alert.name}")[:200],
        host=names.sanitize(host),
        service=names.sanitize(service),
        alert=alert.name,
        symptoms=names.sanitize(symptoms),
        root_cause=names.sanitize(root_cause),
        resolution=names.sanitize(resolution),
        action=used,
        params={k: names.sanitize(v) if isinstance(v, str) else v for k, v in params.items()},
        outcome="resolved",
        runbook=runbooks[0] if runbooks else None,
    )

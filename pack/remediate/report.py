"""Human-readable renderings of incidents, inquiries and outcomes for the CLI and the demo."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from remediate.inquiry import expires_at
from remediate.models import Incident, Inquiry

if TYPE_CHECKING:
    from remediate.pipeline import Engine, Outcome


def answer_commands(inquiry: Inquiry) -> str:
    who = inquiry.users[0] if inquiry.users else "YOUR_NAME"
    return (
        f"  remediate inquiry respond {inquiry.id} --approve --as {who} --comment '…'\n"
        f"  remediate inquiry respond {inquiry.id} --reject --as {who} --comment '…'"
    )


def proposal_text(incident: Incident) -> str:
    lines = []
    proposal = incident.proposal
    if proposal is not None and proposal.action:
        params = ", ".join(f"{k}={v}" for k, v in proposal.params.items())
        lines.append(f"proposal: {proposal.action}({params}) on {proposal.host}")
        lines.append("why:      " + _wrap(proposal.rationale, 10))
    if incident.escalation_reason:
        lines.append("escalated: " + _wrap(incident.escalation_reason, 11))
    cited = set(proposal.citations) if proposal else set()
    for citation in incident.citations:
        if not cited or citation.ref in cited or citation.id in cited:
            lines.append(f"  cites {citation.label()}  [{citation.link}]")
    return "\n".join(lines)


def outcome_text(engine: Engine, outcome: Outcome) -> str:
    incident = outcome.incident
    head = f"incident {incident.id}: {incident.status}"
    if outcome.duplicate:
        head += " (duplicate notification; already being handled)"
    parts = [head, proposal_text(incident)]
    if outcome.dry_run is not None:
        parts.append(f"dry run ({outcome.dry_run.run_id}, check mode with diff):")
        parts.append(_indent(outcome.dry_run.output))
    if outcome.inquiry is not None and outcome.inquiry.status.value == "pending":
        parts.append(f"inquiry {outcome.inquiry.id} is waiting for an answer:")
        parts.append(answer_commands(outcome.inquiry))
    for draft in engine.store.drafts(incident.id):
        if draft["path"]:
            parts.append(f"{draft['kind']} draft: {draft['path']}")
    return "\n".join(p for p in parts if p)


def inquiry_text(engine: Engine, inquiry: Inquiry) -> str:
    incident = engine.store.get_incident(inquiry.incident_id)
    lines = [
        f"inquiry {inquiry.id}: {inquiry.status} (route {inquiry.route}, "
        f"expires {expires_at(inquiry):%Y-%m-%d %H:%M} UTC)",
        f"users: {', '.join(inquiry.users) or 'any'}; roles: {', '.join(inquiry.roles) or 'any'}",
        f"binding: {inquiry.proposal_hash}",
        proposal_text(incident),
        "dry run:",
        _indent(inquiry.dry_run),
    ]
    if inquiry.responder:
        lines.append(
            f"answered by {inquiry.responder} at {inquiry.responded_at}: {inquiry.response}"
        )
    else:
        lines.append(answer_commands(inquiry))
    return "\n".join(lines)


def incident_text(engine: Engine, incident: Incident) -> str:
    lines = [
        f"incident {incident.id}: {incident.status}",
        f"alert: {incident.alert.name} — {incident.alert.summary}",
        f"host: {incident.host or incident.alert.host_hint or '-'}",
        proposal_text(incident),
        "timeline:",
    ]
    for entry in engine.store.timeline(incident.id):
        detail = f" — {_wrap(entry.detail, 8)}" if entry.detail else ""
        lines.append(f"  {entry.at:%H:%M:%S} {entry.status:<17} {entry.step}{detail}")
    return "\n".join(lines)


def _wrap(text: str, indent: int) -> str:
    first, *rest = text.splitlines() or [""]
    wrapped = textwrap.fill(first, width=100, subsequent_indent=" " * indent)
    return "\n".join([wrapped, *[" " * indent + line for line in rest[:20]]])


def _indent(text: str) -> str:
    return textwrap.indent(text.strip() or "(no output)", "    ")

"""Renderings of incidents, inquiries and outcomes for people (CLI, demo, StackStorm route).

Stored text is sanitized; here it is shown with real names restored
(:meth:`Engine.display`) and with every piece of outside text (alert fields, evidence,
dry-run output, comments) quoted line by line and made inert, so that nothing an alert or
a log line carries can pass for a line of ours in a terminal or a chat message.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from remediate.inert import inert, quoted
from remediate.inquiry import expires_at
from remediate.models import Incident, Inquiry, InquiryStatus
from remediate.state import HUMAN_ACTIONS

if TYPE_CHECKING:
    from remediate.pipeline import Engine, Outcome


def answer_commands(inquiry: Inquiry) -> str:
    return (
        f"  remediate inquiry respond {inquiry.id} --approve --comment '…'\n"
        f"  remediate inquiry respond {inquiry.id} --reject --comment '…'"
    )


def proposal_text(incident: Incident) -> str:
    """``incident`` as :meth:`Engine.display` returns it (real names)."""
    lines = []
    proposal = incident.proposal
    if proposal is not None and proposal.action:
        params = ", ".join(f"{k}={inert(str(v))}" for k, v in proposal.params.items())
        lines.append(f"proposal: {proposal.action}({params}) on {proposal.host}")
        lines.append("why:")
        lines.append(quoted(_wrap(proposal.rationale)))
    if incident.escalation_reason:
        lines.append("escalated:")
        lines.append(quoted(_wrap(incident.escalation_reason)))
    cited = set(proposal.citations) if proposal else set()
    for citation in incident.citations:
        if not cited or citation.ref in cited or citation.id in cited:
            lines.append(f"  cites {inert(citation.label())}  [{inert(citation.link)}]")
    return "\n".join(lines)


def outcome_text(engine: Engine, outcome: Outcome) -> str:
    incident = engine.display(outcome.incident)
    head = f"incident {incident.id}: {incident.status}"
    if outcome.duplicate:
        head += " (duplicate notification; already handled)"
    parts = [head, proposal_text(incident)]
    if outcome.dry_run is not None:
        parts.append(f"dry run ({outcome.dry_run.run_id}, check mode with diff):")
        parts.append(quoted(engine.restore(incident.id, outcome.dry_run.output) or "(no output)"))
    if outcome.inquiry is not None and outcome.inquiry.status is InquiryStatus.PENDING:
        if outcome.waiting_for:
            parts.append(
                f"approval recorded; inquiry {outcome.inquiry.id} needs "
                f"{outcome.waiting_for} more distinct approver(s)"
            )
        else:
            parts.append(f"inquiry {outcome.inquiry.id} is waiting for an answer:")
            parts.append(answer_commands(outcome.inquiry))
    for draft in engine.store.drafts(incident.id):
        if draft["path"]:
            parts.append(f"{draft['kind']} draft: {draft['path']}")
    parts.append(f"next: {HUMAN_ACTIONS[incident.status]}")
    return "\n".join(p for p in parts if p)


def inquiry_text(engine: Engine, inquiry: Inquiry) -> str:
    incident = engine.display(engine.store.get_incident(inquiry.incident_id))
    lines = [
        f"inquiry {inquiry.id}: {inquiry.status} (route {inquiry.route}, "
        f"expires {expires_at(inquiry):%Y-%m-%d %H:%M} UTC)",
        f"users: {', '.join(inquiry.users) or 'none'}; roles: {', '.join(inquiry.roles) or 'none'}"
        f"; approvers needed: {inquiry.required_approvals}",
        f"binding: {inquiry.proposal_hash}",
        proposal_text(incident),
        "dry run:",
        quoted(engine.restore(incident.id, inquiry.dry_run) or "(no output)"),
    ]
    for answer in inquiry.answers:
        verdict = "approved" if answer.approved else "rejected"
        said = f": {inert(answer.comment)}" if answer.comment else ""
        lines.append(f"{verdict} by {answer.user} ({answer.via}) at {answer.at:%H:%M:%S}{said}")
    if inquiry.status is InquiryStatus.PENDING:
        lines.append(answer_commands(inquiry))
    return "\n".join(lines)


def incident_text(engine: Engine, incident: Incident) -> str:
    shown = engine.display(incident)
    summary = shown.alert.summary.splitlines()[0] if shown.alert.summary else ""
    lines = [
        f"incident {shown.id}: {shown.status}",
        f"alert: {shown.alert.name} — {summary}",
        f"host: {shown.host or shown.alert.host_hint or '-'}",
    ]
    if shown.previous_id:
        lines.append(f"previous incident of this alert: {shown.previous_id}")
    lines += [proposal_text(shown), "timeline:"]
    for entry in engine.store.timeline(incident.id):
        detail = engine.restore(incident.id, entry.detail)
        first, *more = detail.splitlines() or [""]
        lines.append(
            f"  {entry.at:%H:%M:%S} {entry.status:<17} {entry.step}"
            + (f" — {inert(first)[:200]}" if first else "")
            + (f" (+{len(more)} lines)" if more else "")
        )
    lines.append(f"next: {HUMAN_ACTIONS[shown.status]}")
    return "\n".join(inert(line, multiline=True) for line in lines)


def outcome_json(engine: Engine, outcome: Outcome) -> dict[str, Any]:
    return {
        "incident": outcome.incident.model_dump(mode="json"),
        "inquiry_id": outcome.inquiry.id if outcome.inquiry else None,
        "inquiry": outcome.inquiry.model_dump(mode="json", by_alias=True)
        if outcome.inquiry
        else None,
        "dry_run": outcome.dry_run.model_dump(mode="json") if outcome.dry_run else None,
        "duplicate": outcome.duplicate,
        "waiting_for": outcome.waiting_for,
        "next": HUMAN_ACTIONS[outcome.incident.status],
    }


def incident_json(engine: Engine, incident: Incident) -> dict[str, Any]:
    store = engine.store
    return {
        **incident.model_dump(mode="json"),
        "timeline": [e.model_dump(mode="json") for e in store.timeline(incident.id)],
        "inquiries": [
            i.model_dump(mode="json", by_alias=True) for i in store.inquiries_for(incident.id)
        ],
        "executions": [e.model_dump(mode="json") for e in store.executions(incident.id)],
        "verifications": [v.model_dump(mode="json") for v in store.verifications(incident.id)],
        "next": HUMAN_ACTIONS[incident.status],
    }


def _wrap(text: str) -> str:
    first, *rest = text.splitlines() or [""]
    return "\n".join([textwrap.fill(first, width=96), *rest[:20]])

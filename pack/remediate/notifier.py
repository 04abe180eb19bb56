"""The sender: drains the notification outbox (:mod:`remediate.outbox`) through the channels.

It runs in its own thread of ``remediate serve`` (:class:`NotifierThread`), so a slow relay
or webhook never holds up intake or the workers, and on demand in ``remediate notify
--flush``. Each message is rendered once, from the incident's e-mail draft
(:func:`remediate.drafts.draft_context`: real names back, secrets never kept) with a deep
link to the incident page, frozen in its row, and sent with a timeout; a failure is retried
with exponential backoff up to ``notifications.max_attempts``. Logs name the incident, the
event and the channel, never a URL or an address book.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from remediate import failpoint, notify, outbox
from remediate.channels import ChannelError, Envelope, post_webhook, send_email
from remediate.config import Settings
from remediate.drafts import draft_context
from remediate.errors import RemediateError
from remediate.inert import inert
from remediate.models import utcnow
from remediate.outbox import NotificationEvent, OutboxRow, OutboxStatus

if TYPE_CHECKING:
    from remediate.pipeline import Engine

log = logging.getLogger("remediate.notify")

HEADLINES: dict[NotificationEvent, str] = {
    NotificationEvent.PROPOSAL: "Approval requested",
    NotificationEvent.APPROVED: "Approved",
    NotificationEvent.REJECTED: "Rejected, nothing was run",
    NotificationEvent.EXPIRED: "Approval expired, nothing was run",
    NotificationEvent.VERIFIED: "Fixed and verified",
    NotificationEvent.FAILED: "The fix failed",
    NotificationEvent.ESCALATED: "Escalated to an engineer",
}


@dataclass
class Report:
    """What one pass did, by channel outcome."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Report) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.errors += other.errors


def compose(engine: Engine, row: OutboxRow) -> tuple[str, str]:
    """Subject and body of ``row``: e-mail text, or the webhook's JSON document."""
    incident = engine.store.get_incident(row.incident_id)
    context = draft_context(engine, incident)
    [email] = [d for d in notify.render_drafts(context) if d.kind == "email"]
    url = engine.settings.server.incident_url(incident.id)
    headline = HEADLINES[row.event]
    if row.event is NotificationEvent.APPROVED and context["approver"]:
        headline = f"Approved by {context['approver']}"
    alert, host = context["alert"], context["host"] or context["alert"].host_hint
    about = f"{alert.name} on {host or 'an unknown host'} ({incident.id})"
    subject = inert(f"[remediate] {headline}: {about}")
    if row.channel == "email":
        return subject, f"{headline}.\nIncident page: {url}\n\n{email.body}"
    proposal = context["proposal"]
    document = {
        "text": f"{headline}: {about}\n{url}",
        "event": row.event.value,
        "incident_id": incident.id,
        "status": incident.status.value,
        "alert": alert.name,
        "host": host,
        "summary": alert.summary,
        "action": proposal.action if proposal else None,
        "approver": context["approver"],
        "url": url,
    }
    return subject, json.dumps(document, ensure_ascii=False, default=str)


class Notifier:
    """Sends what is due, with the engine of the thread it runs in."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.settings: Settings = engine.settings

    def send_due(self, limit: int = 20) -> Report:
        """One pass: release dead claims, claim what is due, send each, record each."""
        store = self.engine.store
        released = outbox.release_abandoned(store)
        if released:
            log.info("%d notification(s) a dead process had taken are pending again", released)
        report = Report()
        # One claim per message: only the message being sent is ever in flight, so a crash
        # costs at most that one (its attempt counted, its delivery maybe repeated).
        for _ in range(limit):
            claimed = outbox.claim_due(store, 1)
            if not claimed:
                break
            report.add(self._send(claimed[0]))
        return report

    def flush(self) -> Report:
        """Send until nothing is due now (messages waiting for a retry stay pending)."""
        total = Report()
        while True:
            report = self.send_due()
            total.add(report)
            if not (report.sent or report.retrying or report.failed):
                return total

    def _send(self, row: OutboxRow) -> Report:
        config = self.settings.notifications
        what = f"{row.incident_id} {row.event} via {row.channel} (attempt {row.attempts})"
        try:
            if row.subject is None or row.body is None:
                row = outbox.freeze_message(self.engine.store, row, *compose(self.engine, row))
            envelope = Envelope(row.key, row.subject or "", row.body or "")
            failpoint.hit("notify.sending")
            self._deliver(row.channel, envelope)
        except RemediateError as exc:
            permanent = isinstance(exc, ChannelError) and exc.permanent
            error = exc if isinstance(exc, ChannelError) else f"{type(exc).__name__}: {exc}"
            status = outbox.record_failure(
                self.engine.store,
                row,
                str(error),
                max_attempts=config.max_attempts,
                first=config.backoff,
                ceiling=config.max_backoff,
                permanent=permanent,
            )
            log.warning("notification %s: %s; %s", what, error, status)
            if status is OutboxStatus.FAILED:
                return Report(failed=1, errors=[str(error)])
            return Report(retrying=1, errors=[str(error)])
        failpoint.hit("notify.sent")
        outbox.record_sent(self.engine.store, row)
        log.info("notification %s: sent", what)
        return Report(sent=1)

    def _deliver(self, channel: str, envelope: Envelope) -> None:
        config = self.settings.notifications
        if channel == "email":
            send_email(config.smtp, envelope, config.timeout)
            return
        name = channel.removeprefix("webhook:")
        webhook = next((w for w in config.webhooks if w.name == name), None)
        if webhook is None or not channel.startswith("webhook:"):
            raise ChannelError(f"{channel}: no such channel is configured now", permanent=True)
        post_webhook(webhook, envelope, config.timeout)


class NotifierThread:
    """The sender inside ``remediate serve``: a daemon thread with its own engine (its own
    SQLite connection), woken early by :meth:`wake`, polling at most every ``poll`` s."""

    def __init__(self, settings: Settings, poll: float = 2.0) -> None:
        self.settings = settings
        self.poll = poll
        self.stopping = threading.Event()
        self.woken = threading.Event()
        self.thread = threading.Thread(target=self._run, name="remediate-notifier", daemon=True)

    def start(self) -> None:
        if outbox.Routing.from_settings(self.settings.notifications) is not None:
            self.thread.start()

    def wake(self) -> None:
        self.woken.set()

    def stop(self, timeout: float | None = None) -> None:
        self.stopping.set()
        self.woken.set()
        if self.thread.is_alive():
            limit = self.settings.notifications.timeout * 2 if timeout is None else timeout
            self.thread.join(limit)

    def _run(self) -> None:
        from remediate.pipeline import Engine

        engine = Engine(self.settings)
        notifier = Notifier(engine)
        try:
            while not self.stopping.is_set():
                wait = self.poll
                try:
                    # Idle passes only read: no write lock is taken while nothing is due.
                    due = outbox.next_due(engine.store)
                    if outbox.counts(engine.store)[OutboxStatus.SENDING]:
                        due = utcnow()  # a claim to check: its owner may have died
                    if due is not None and due <= utcnow():
                        report = notifier.send_due()
                        if report.sent or report.retrying or report.failed:
                            continue
                        due = outbox.next_due(engine.store)
                    if due is not None:
                        wait = min(max((due - utcnow()).total_seconds(), 0.05), self.poll)
                except RemediateError as exc:  # the database is busy or gone: try again later
                    log.warning("notification sender: %s", exc)
                self.woken.wait(wait)
                self.woken.clear()
        finally:
            engine.store.close()

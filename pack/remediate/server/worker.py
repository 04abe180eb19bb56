"""The worker pool: threads that drain the alert queue into ``Engine.investigate``.

- **Bounded concurrency**: ``server.workers`` threads, each with its own long-lived engine
  (and so its own SQLite connection).
- **One investigation per host at a time, and a cooldown per host**: the
  :class:`HostScheduler` hands a body to a worker only when none of the hosts it names is
  being investigated or finished one less than ``server.host_cooldown`` seconds ago; other
  bodies overtake it meanwhile.
- **Retries with backoff**: a transient failure (:class:`~remediate.errors.OperationalError`:
  storage, planner endpoint) queues the body again, due after ``retry_backoff · 2^(n-1)``
  seconds, up to ``retry_attempts`` tries; then it is recorded as ``failed`` with the error.
- **Storms and deduplication** are the engine's (``intake.max_alerts``, one live incident per
  fingerprint, one incident per firing), not repeated here.
- **Recovery at start**: the engine's recovery first (incidents left mid-stage by a dead
  process), then queue rows a dead process had taken are queued again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from remediate import failpoint
from remediate.config import Settings
from remediate.errors import OperationalError, RemediateError
from remediate.lease import process_owner
from remediate.server.queue import AlertQueue, Job

if TYPE_CHECKING:
    from remediate.pipeline import Engine, Outcome

log = logging.getLogger("remediate.serve.worker")


class HostScheduler:
    """Which hosts are being investigated, and when each one last finished."""

    def __init__(self, cooldown: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._busy: set[str] = set()
        self._finished: dict[str, float] = {}

    def claim(self, hosts: tuple[str, ...]) -> bool:
        """Mark ``hosts`` busy and say True, unless one is busy or cooling down."""
        with self._lock:
            now = self._clock()
            for host in hosts:
                if host in self._busy:
                    return False
                last = self._finished.get(host)
                if last is not None and now - last < self.cooldown:
                    return False
            self._busy.update(hosts)
            return True

    def release(self, hosts: tuple[str, ...], *, investigated: bool) -> None:
        with self._lock:
            self._busy.difference_update(hosts)
            if investigated:
                now = self._clock()
                for host in hosts:
                    self._finished[host] = now

    def busy(self) -> set[str]:
        with self._lock:
            return set(self._busy)


def summary(outcomes: list[Outcome]) -> list[dict[str, object]]:
    return [
        {
            "incident": o.incident.id,
            "status": str(o.incident.status),
            "duplicate": bool(o.duplicate),
        }
        for o in outcomes
    ]


class Workers:
    def __init__(
        self,
        settings: Settings,
        queue: AlertQueue,
        count: int,
        engine_factory: Callable[[], Engine] | None = None,
    ) -> None:
        self.settings = settings
        self.queue = queue
        self.count = count
        self.scheduler = HostScheduler(settings.server.host_cooldown)
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self._engine_factory = engine_factory
        self.owner = process_owner()

    def _engine(self) -> Engine:
        if self._engine_factory is not None:
            return self._engine_factory()
        from remediate.pipeline import Engine

        return Engine(self.settings)

    def start(self) -> None:
        if self.count == 0:
            return
        recovered = self._engine().recover()
        if recovered:
            log.info("recovered incidents", extra={"recovered": len(recovered)})
        requeued = self.queue.requeue_abandoned()
        if requeued:
            log.info(
                "re-queued alert bodies a dead process had taken", extra={"requeued": requeued}
            )
        for n in range(self.count):
            thread = threading.Thread(target=self._run, name=f"remediate-worker-{n}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        for thread in self.threads:
            thread.join()

    def _run(self) -> None:
        engine = self._engine()
        while not self.stopping.is_set():
            claimed: list[tuple[str, ...]] = []
            try:
                job = self.queue.take(self.owner, partial(self._claim, claimed))
            except OperationalError as exc:
                log.warning("cannot read the queue", extra={"error": str(exc)})
                job = None
            for hosts in claimed if job is None else claimed[:-1]:
                self.scheduler.release(hosts, investigated=False)  # granted, then not taken
            if job is None:
                self.wake.wait(0.5)
                self.wake.clear()
                continue
            investigated = False
            try:
                investigated = self._handle(engine, job)
            finally:
                self.scheduler.release(job.hosts, investigated=investigated)
                self.wake.set()  # a body waiting for these hosts may go now

    def _claim(self, claimed: list[tuple[str, ...]], hosts: tuple[str, ...]) -> bool:
        granted = self.scheduler.claim(hosts)
        if granted:
            claimed.append(hosts)
        return granted

    def _handle(self, engine: Engine, job: Job) -> bool:
        failpoint.hit("serve.taken")
        server = self.settings.server
        try:
            outcomes = engine.investigate(job.body, triggered_by=None)
        except OperationalError as exc:
            error = f"{type(exc).__name__}: {exc}"
            if job.attempts >= server.retry_attempts:
                log.error("alert body failed", extra={"queue_id": job.id, "error": error})
                self.queue.give_up(job.id, error)
                return False
            delay = min(server.retry_backoff * 2 ** (job.attempts - 1), 3600.0)
            log.warning(
                "alert body retried later",
                extra={"queue_id": job.id, "error": error, "delay": delay},
            )
            self.queue.retry_later(job.id, error, delay)
            return False
        except RemediateError as exc:
            # A defect of this body (not of the world): recorded, never retried.
            result: Any = {"error": f"{type(exc).__name__}: {exc}"}
            self.queue.finish(job.id, result, [])
            return False
        self.queue.finish(
            job.id, summary(outcomes), [(o.incident.id, o.duplicate) for o in outcomes]
        )
        log.info(
            "alert body investigated",
            extra={
                "queue_id": job.id,
                "incidents": [o.incident.id for o in outcomes],
                "statuses": [str(o.incident.status) for o in outcomes],
            },
        )
        return any(not o.duplicate for o in outcomes)

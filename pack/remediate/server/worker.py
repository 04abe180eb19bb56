"""The worker pool: threads that drain the alert queue into ``Engine.investigate``.

Each thread has its own engine (its own SQLite connection). At start the engine's recovery
runs first (incidents left mid-stage by a dead process), then queue rows a dead process had
taken are queued again. Concurrency is bounded by the number of threads; the engine itself
deduplicates per fingerprint atomically and caps storms.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from remediate import failpoint
from remediate.config import Settings
from remediate.errors import OperationalError, RemediateError
from remediate.server.queue import AlertQueue

log = logging.getLogger("remediate.serve")


def _summary(outcomes: list[Any]) -> list[dict[str, object]]:
    return [
        {
            "incident": o.incident.id,
            "status": str(o.incident.status),
            "duplicate": bool(o.duplicate),
        }
        for o in outcomes
    ]


class Workers:
    def __init__(self, settings: Settings, queue: AlertQueue, count: int) -> None:
        self.settings = settings
        self.queue = queue
        self.count = count
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        if self.count == 0:
            return
        from remediate.pipeline import Engine

        Engine(self.settings).recover()
        requeued = self.queue.requeue_abandoned()
        if requeued:
            log.info("re-queued %d alert bodies a previous process had taken", requeued)
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
        from remediate.pipeline import Engine

        engine = Engine(self.settings)
        while not self.stopping.is_set():
            job = self.queue.take()
            if job is None:
                self.wake.wait(1.0)
                self.wake.clear()
                continue
            failpoint.hit("serve.taken")
            try:
                result: object = _summary(engine.investigate(job.body, triggered_by=None))
            except OperationalError as exc:
                # The outside world failed (storage, planner): leave the body for a later try.
                log.warning("alert %d: %s; retried at the next start", job.id, exc)
                continue
            except RemediateError as exc:
                result = {"error": f"{type(exc).__name__}: {exc}"}
            self.queue.finish(job.id, result)

"""Prometheus metrics of ``remediate serve`` (``GET /metrics``), with ``prometheus_client``.

Counters of what the HTTP shell saw (alerts received, deduplicated, refused; accept and
approval latency) live in the process; what the state says (incidents by status, execution
outcomes, queue depth) is read from SQLite at each scrape, so it is right after a restart
and counts the CLI's work too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from remediate.models import IncidentStatus
from remediate.server.queue import QueueStatus
from remediate.store import Store

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class StateCollector(Collector):
    def __init__(self, store: Callable[[], Store]) -> None:
        self._store = store

    def collect(self) -> Iterator[Metric]:
        store = self._store()
        incidents = GaugeMetricFamily(
            "remediate_incidents", "Incidents by status", labels=["status"]
        )
        counted = dict(store.read("SELECT status, count(*) FROM incidents GROUP BY status"))
        for status in IncidentStatus:
            incidents.add_metric([status.value], counted.get(status.value, 0))
        yield incidents
        executions = CounterMetricFamily(
            "remediate_executions",
            "Playbook runs by outcome (check_mode: dry runs)",
            labels=["status", "check_mode"],
        )
        for status, check, n in store.read(
            "SELECT status, check_mode, count(*) FROM executions GROUP BY status, check_mode"
        ):
            executions.add_metric([status, "true" if check else "false"], n)
        yield executions
        depth = GaugeMetricFamily(
            "remediate_queue_depth", "Alert bodies in the queue by status", labels=["status"]
        )
        queued = dict(store.read("SELECT status, count(*) FROM alert_queue GROUP BY status"))
        for qs in QueueStatus:
            depth.add_metric([qs.value], queued.get(qs.value, 0))
        yield depth


class Metrics:
    def __init__(self, store: Callable[[], Store]) -> None:
        self.registry = CollectorRegistry()
        self.received = Counter(
            "remediate_alerts_received",
            "Alerts in accepted bodies (re-deliveries included)",
            registry=self.registry,
        )
        self.deduplicated = Counter(
            "remediate_alerts_deduplicated",
            "Alerts in bodies recognized as re-deliveries (never investigated again)",
            registry=self.registry,
        )
        self.rejected = Counter(
            "remediate_alerts_rejected",
            "Alert posts refused, by reason",
            labelnames=["reason"],
            registry=self.registry,
        )
        self.accept_seconds = Histogram(
            "remediate_accept_seconds",
            "Time to accept an alert body durably (read, check, commit)",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
            registry=self.registry,
        )
        self.approval_latency = Histogram(
            "remediate_approval_latency_seconds",
            "From an inquiry's creation to an answer given through the server",
            labelnames=["decision"],
            buckets=(10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 86400),
            registry=self.registry,
        )
        self.registry.register(StateCollector(store))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

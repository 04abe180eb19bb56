"""Knowledge base at scale: 100,000 synthetic tickets plus the real runbooks.

Generates TICKETS ticket files (INC-*.yaml, from a few dozen incident templates with random
hosts, services, numbers and dates) in a temporary directory next to the runbooks of
../shared/datasets (or our kb/ when ../shared is absent), then measures, on this machine:

* parse: ``scan`` of all files (YAML + validation), and full-text ingest (sanitize, write,
  build the BM25 indices); then re-ingest of the unchanged set (the incremental baseline:
  no row is written or embedded);
* index size on disk;
* query latency p50/p99 over QUERIES queries: full-text (the baseline) and hybrid, the
  latter *excluding* the query embedding, which is timed on its own;
* embedding throughput of the local model (all-MiniLM-L6-v2) on a sample of real ticket texts.

Embedding 100k tickets on 2 CPU cores would take most of an hour, so for the hybrid latency
the synthetic tickets carry random unit vectors of the model's dimension (a flat vector scan
costs the same whatever the values); the runbooks and the queries use the real model.

    .venv/bin/python benchmarks/retrieval_scale.py [--tickets 100000] [--queries 200]

Writes benchmarks/results/retrieval_scale.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from remediate.config import PROJECT_ROOT, EmbeddingSettings
from remediate.embeddings import Vector, make_embedder
from remediate.kb import scan
from remediate.lancedb_index import KnowledgeIndex
from remediate.sanitizer import Sanitizer

RESULTS = Path(__file__).resolve().parent / "results"
SERVICES = ["nginx", "webapp", "postgres", "redis", "rabbitmq", "payments", "ledger", "search"]
TEMPLATES = [
    (
        "{s} stopped after a package upgrade",
        "{s} inactive (dead); probe refused on port {p}",
        "unattended upgrade stopped {s}",
        "restart_service",
        "{s}Down",
    ),
    (
        "disk full on /var/log from rotated archives",
        "/var/log at {n}%; write errors in {s}",
        "logrotate kept {n} compressed archives",
        "free_disk_space",
        "DiskSpaceLow",
    ),
    (
        "{s} worker stuck at 100% CPU",
        "load average {n}; one {s} worker spinning",
        "an infinite retry loop in {s}",
        "kill_process",
        "HighCPUUsage",
    ),
    (
        "{s} leaking memory until the OOM killer fired",
        "RSS grew {n} MB per hour",
        "a cache without eviction in {s}",
        "restart_service",
        "OOMKillDetected",
    ),
    (
        "{s} queue backlog growing; consumer alive",
        "backlog {n}k messages",
        "a poisoned message wedged the {s} consumer",
        "restart_service",
        "QueueBacklogGrowing",
    ),
    (
        "TLS certificate of {s} about to expire",
        "certificate expires in {n} days",
        "renewal cron job failed",
        "escalate",
        "SSLCertExpiringSoon",
    ),
    (
        "{s} fails after deploy: invalid configuration",
        "config test failed at line {n}",
        "a typo in the {s} configuration",
        "escalate",
        "DeployHealthCheckFailed",
    ),
]
WORDS = [
    "the",
    "a",
    "host",
    "service",
    "request",
    "error",
    "timeout",
    "connection",
    "retry",
    "upstream",
]


def synthetic_tickets(directory: Path, count: int, rng: random.Random) -> None:
    directory.mkdir(parents=True)
    start = date(2024, 1, 1)
    for i in range(count):
        title, symptoms, cause, action, alert = rng.choice(TEMPLATES)
        service = rng.choice(SERVICES)
        fill = {"s": service, "n": rng.randint(2, 99), "p": rng.choice([80, 443, 5432])}
        noise = " ".join(rng.choices(WORDS, k=8))
        ticket = {
            "id": f"INC-{100000 + i}",
            "date": (start + timedelta(days=rng.randint(0, 900))).isoformat(),
            "title": title.format(**fill),
            "host": f"{service}-{rng.randint(1, 40):02d}",
            "service": service,
            "alert": alert.format(s=service.capitalize()),
            "symptoms": f"{symptoms.format(**fill)}; {noise}",
            "root_cause": cause.format(**fill),
            "resolution": f"ran {action} on {service} after approval; {noise}",
            "action": action,
            "outcome": rng.choice(["resolved", "resolved", "resolved", "escalated"]),
        }
        (directory / f"{ticket['id']}.yaml").write_text(yaml.safe_dump(ticket, sort_keys=False))


class BenchEmbedder:
    """Real MiniLM vectors for runbooks and queries; random unit vectors for synthetic tickets."""

    name = "bench:minilm-shaped"

    def __init__(self, real: Any, rng: random.Random) -> None:
        self.real = real
        self.rng = rng
        self.dim = len(real.embed(["probe"])[0])
        self.cached: dict[str, Vector] = {}

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        out = []
        for text in texts:
            if text in self.cached:
                out.append(self.cached[text])
            elif text.startswith("INC-") or "alert: " in text[:300]:  # a synthetic ticket
                vector = [self.rng.gauss(0, 1) for _ in range(self.dim)]
                norm = sum(x * x for x in vector) ** 0.5
                out.append([x / norm for x in vector])
            else:
                out.append(self.real.embed([text])[0])
        return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed_queries(index: KnowledgeIndex, queries: list[str], mode: str) -> dict[str, float]:
    times = []
    for query in queries:
        started = time.perf_counter()
        index.search(query, k=10, mode=mode)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(percentile(times, 0.5), 2),
        "p99_ms": round(percentile(times, 0.99), 2),
        "mean_ms": round(statistics.fmean(times), 2),
    }


def size_mb(directory: Path) -> float:
    total = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
    return round(total / 1e6, 1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--embed-sample", type=int, default=500)
    parser.add_argument("--shared", type=Path, default=PROJECT_ROOT.parent / "shared")
    args = parser.parse_args()
    rng = random.Random(4)
    runbooks = args.shared / "datasets" / "runbooks"
    corpus = [runbooks] if runbooks.is_dir() else [PROJECT_ROOT / "kb" / "runbooks"]
    real = make_embedder(EmbeddingSettings(provider="sentence-transformers"))
    assert real is not None
    out: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.python_version()}, {os.cpu_count()} cores",
        "tickets": args.tickets,
        "runbooks": str(corpus[0]),
    }
    with tempfile.TemporaryDirectory(prefix="rmd-scale-") as tmp:
        tickets = Path(tmp) / "tickets"
        synthetic_tickets(tickets, args.tickets, rng)
        started = time.perf_counter()
        found = scan([*corpus, tickets])
        out["parse_seconds"] = round(time.perf_counter() - started, 1)
        out["rows"] = len(found.chunks)
        out["problems"] = len(found.problems)

        fts = KnowledgeIndex(Path(tmp) / "fts")
        first = fts.ingest(found.chunks, Sanitizer().sanitize, progress=False)
        again = fts.ingest(found.chunks, Sanitizer().sanitize, progress=False)
        out["fulltext_ingest_seconds"] = round(first.seconds, 1)
        out["fulltext_reingest_unchanged_seconds"] = round(again.seconds, 1)
        out["fulltext_reingest_written_rows"] = again.added + again.updated
        out["fulltext_index_mb"] = size_mb(Path(tmp) / "fts")

        bench = BenchEmbedder(real, rng)
        hybrid = KnowledgeIndex(Path(tmp) / "hybrid", bench)
        report = hybrid.ingest(found.chunks, Sanitizer().sanitize, progress=False)
        out["hybrid_ingest_seconds_with_random_ticket_vectors"] = round(report.seconds, 1)
        out["hybrid_index_mb"] = size_mb(Path(tmp) / "hybrid")

        samples = [c for c in found.chunks if c.kind.value == "ticket"]
        queries = [f"{c.alerts[0]} {c.title}" for c in rng.sample(samples, args.queries)]
        started = time.perf_counter()
        for query in queries:
            bench.cached[query] = real.embed([query])[0]
        embed_ms = (time.perf_counter() - started) * 1000 / len(queries)
        out["query_embedding_ms"] = round(embed_ms, 2)
        out["latency"] = {
            "fulltext (baseline)": timed_queries(fts, queries, "fulltext"),
            "hybrid (excluding query embedding)": timed_queries(hybrid, queries, "hybrid"),
        }
        texts = [c.text for c in samples[: args.embed_sample]]
        started = time.perf_counter()
        real.embed(texts)
        seconds = time.perf_counter() - started
        out["embedding_throughput_chunks_per_s"] = round(len(texts) / seconds, 1)
        out["embedding_100k_estimate_minutes"] = round(100_000 / (len(texts) / seconds) / 60, 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "retrieval_scale.json").write_text(json.dumps(out, indent=1) + "\n")
    lat = out["latency"]
    lines = [
        "# Knowledge base at scale",
        "",
        f"`{out['command']}` — {out['when']}, {out['machine']}",
        "",
        f"{args.tickets} synthetic tickets + runbooks of {out['runbooks']}: {out['rows']} rows.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| parse (scan YAML + markdown) | {out['parse_seconds']} s |",
        "| full-text ingest (sanitize, write, BM25 indices) | "
        f"{out['fulltext_ingest_seconds']} s |",
        f"| re-ingest unchanged (baseline: incremental) | "
        f"{out['fulltext_reingest_unchanged_seconds']} s, "
        f"{out['fulltext_reingest_written_rows']} rows written |",
        f"| index size: full-text / hybrid | {out['fulltext_index_mb']} MB / "
        f"{out['hybrid_index_mb']} MB |",
        *(
            f"| query {name}: p50 / p99 | {v['p50_ms']} ms / {v['p99_ms']} ms |"
            for name, v in lat.items()
        ),
        f"| query embedding (MiniLM, one query) | {out['query_embedding_ms']} ms |",
        f"| embedding throughput (MiniLM, CPU) | {out['embedding_throughput_chunks_per_s']} "
        f"chunks/s (~{out['embedding_100k_estimate_minutes']} min per 100k) |",
        "",
        "Hybrid rows of synthetic tickets carry random unit vectors (see the module docstring).",
    ]
    (RESULTS / "retrieval_scale.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

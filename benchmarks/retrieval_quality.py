"""Retrieval quality on real runbooks: Recall@1, Recall@3 and MRR@10 per retrieval mode.

Indexes ../shared/datasets/runbooks and runbooks-later (117 prometheus-operator runbooks) with
the real ingest path (section chunks, sanitizer), then asks each query of
runbook-retrieval-qrels.jsonl in two forms: the alert's summary + description, and the same
with the alert name prepended (what an Alertmanager payload carries). A hit counts at the rank
of the first chunk from the target runbook. Modes: ``body`` (BM25 over section bodies only:
the baseline, what the index did before), ``fulltext`` (BM25 over bodies and names, fused),
``dense`` and ``hybrid`` (both, with the sentence-transformers model).

    .venv/bin/python benchmarks/retrieval_quality.py [--shared ../shared] [--model all-MiniLM-L6-v2]

Writes benchmarks/results/retrieval_quality.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from remediate.config import PROJECT_ROOT, EmbeddingSettings
from remediate.embeddings import make_embedder
from remediate.kb import scan
from remediate.lancedb_index import KnowledgeIndex
from remediate.sanitizer import Sanitizer

RESULTS = Path(__file__).resolve().parent / "results"
MODES = ["body", "fulltext", "dense", "hybrid"]
FORMS = {"summary+description": False, "alertname+summary+description": True}


def evaluate(index: KnowledgeIndex, qrels: list[dict[str, Any]], mode: str, named: bool) -> dict:
    ranks: list[int | None] = []
    started = time.perf_counter()
    for q in qrels:
        query = f"{q['alertname']} {q['query']}" if named else q["query"]
        hits = index.search(query, k=40, mode=mode)
        documents: list[str] = []
        for hit in hits:
            if hit.source not in documents:
                documents.append(hit.source)
        target = "/" + q["target_runbook"].split("/", 1)[1]
        rank = next((i for i, s in enumerate(documents, 1) if s.endswith(target)), None)
        ranks.append(rank)
    n = len(ranks)
    return {
        "recall@1": round(sum(1 for r in ranks if r == 1) / n, 4),
        "recall@3": round(sum(1 for r in ranks if r and r <= 3) / n, 4),
        "mrr@10": round(sum(1 / r for r in ranks if r and r <= 10) / n, 4),
        "ms_per_query": round((time.perf_counter() - started) * 1000 / n, 2),
        "misses@1": [q["alertname"] for q, r in zip(qrels, ranks, strict=True) if r != 1],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=PROJECT_ROOT.parent / "shared")
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    args = parser.parse_args()
    data = args.shared / "datasets"
    corpus = [data / "runbooks", data / "runbooks-later"]
    qrels_file = data / "alerts" / "runbook-retrieval-qrels.jsonl"
    if not qrels_file.is_file():
        print(f"skipped: {qrels_file} is absent (the benchmark needs ../shared)")
        return 0
    qrels = [json.loads(line) for line in qrels_file.read_text().splitlines() if line.strip()]
    found = scan(corpus)
    embedder = make_embedder(EmbeddingSettings(provider="sentence-transformers", model=args.model))
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="rmd-rq-") as tmp:
        index = KnowledgeIndex(Path(tmp) / "idx", embedder)
        report = index.ingest(found.chunks, Sanitizer().sanitize, progress=False)
        for form, named in FORMS.items():
            results[form] = {mode: evaluate(index, qrels, mode, named) for mode in MODES}
    payload = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.python_version()}",
        "corpus": {"files": found.files, "chunks": len(found.chunks), "problems": found.problems},
        "queries": len(qrels),
        "model": args.model,
        "ingest_seconds": round(report.seconds, 2),
        "embed_seconds": round(report.embed_seconds, 2),
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "retrieval_quality.json").write_text(json.dumps(payload, indent=1) + "\n")
    lines = [
        "# Retrieval quality on real runbooks",
        "",
        f"`{payload['command']}` — {payload['when']}, {payload['machine']}",
        "",
        f"{found.files} runbooks ({len(found.chunks)} section chunks), {len(qrels)} queries; "
        f"dense model {args.model}. `body` is the baseline (BM25 over section bodies only).",
        "",
        "| query form | mode | R@1 | R@3 | MRR@10 | ms/query |",
        "|---|---|---|---|---|---|",
    ]
    for form, by_mode in results.items():
        for mode, r in by_mode.items():
            lines.append(
                f"| {form} | {mode} | {r['recall@1']:.3f} | {r['recall@3']:.3f} "
                f"| {r['mrr@10']:.3f} | {r['ms_per_query']} |"
            )
    (RESULTS / "retrieval_quality.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

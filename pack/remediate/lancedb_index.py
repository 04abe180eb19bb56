"""Adapter around embedded LanceDB: index knowledge-base chunks, search them, return citations.

One table, one row per runbook section and per ticket. Retrieval is hybrid:
LanceDB's native full-text index (BM25) over the body and, separately, over a
short ``names`` field (title, alert names, section heading), plus dense
vectors when an embedder is configured; the ranked lists are fused with
reciprocal-rank fusion. Ingestion is incremental: each row carries a hash of
its sanitized content, and only new or changed rows are embedded and written.

Text is sanitized before it is written: the index never holds raw addresses,
host names or secrets. Pseudonyms in the index carry no number (``[HOST]``),
so they can never be mistaken for an incident's own pseudonyms.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import lancedb
import pyarrow as pa
from lancedb.index import FTS, HnswSq
from tqdm import tqdm

from remediate.embeddings import Embedder
from remediate.errors import RemediateError, RetrievalError
from remediate.kb import Chunk, KnowledgeBase, kb_runbook_chunks, split_words, ticket_chunk
from remediate.models import Citation, CitationKind

TABLE = "kb"
META = "remediate-index.json"
RRF_K = 60
"""The constant of reciprocal-rank fusion (Cormack et al. 2009): 1 / (60 + rank)."""
CANDIDATES = 50
"""Rows each ranker contributes before fusion."""
WEIGHTS = {
    "fulltext": {"text": 1.0, "names": 1.0, "alert": 1.0},
    "hybrid": {"text": 2.0, "names": 1.0, "alert": 1.0, "vector": 1.0},
}
"""Per mode, chosen on benchmarks/retrieval_quality.py (see its results): with vectors in the
fusion, the body's BM25 counts twice so that two semantic rankers do not outvote it."""
_IDENTIFIER = re.compile(r"\b(?=\w*[a-z])[A-Za-z][a-z0-9]*[A-Z][A-Za-z0-9_]*\b")
"""CamelCase words in a query may be alert names: looked up exactly in the ``alerts`` column."""
_NUMBERED = re.compile(r"\[([A-Z][A-Z0-9_]*?)_\d+\]")
_PSEUDONYM = re.compile(r"\[[A-Z][A-Z0-9_]*\]")
_TEMPLATE = re.compile(r"\{\{.*?\}\}", re.S)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_BATCH = 2048
_RANKERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ranker")
ANN_MIN_ROWS = 10_000
"""Below this many rows the exact (flat) vector search is fast enough and needs no training."""

Scrub = Callable[[str], str]


def denumber(text: str) -> str:
    return _NUMBERED.sub(r"[\1]", text)


def plain(text: str) -> str:
    """Query text without pseudonyms or unrendered ``{{ template }}`` expressions: an
    alert rule's placeholders carry no meaning, and a pseudonym matches nothing."""
    return _TEMPLATE.sub(" ", _PSEUDONYM.sub(" ", denumber(text)))


def fts_query(text: str) -> str:
    """A plain bag of words: pseudonyms, templates and query syntax removed; a CamelCase
    word (``KubeAPI``) also as its parts, which is how the names field holds alert names."""
    words = _WORD.findall(plain(text))
    parts = [split_words(w) for w in words if _IDENTIFIER.fullmatch(w)]
    return " ".join([*words, *parts])[:2000]


def kb_chunks(kb: KnowledgeBase) -> list[Chunk]:
    """The chunks of a loaded ``kb/`` (runbook sections and tickets)."""
    chunks = [c for rb in kb.runbooks.values() for c in kb_runbook_chunks(rb)]
    chunks += [ticket_chunk(t, kb.root / "incidents" / f"{t.id}.yaml") for t in kb.tickets.values()]
    return chunks


def _bar(field: str) -> str:
    """``|a|b|``: a LIKE '%|a|%' filter then matches whole values only."""
    return f"|{field}|"


def _row(chunk: Chunk, scrub: Scrub) -> dict[str, Any]:
    def clean(text: str) -> str:
        return denumber(scrub(text)) if text else ""

    row: dict[str, Any] = {
        "row_id": chunk.row_id,
        "kind": chunk.kind.value,
        "id": chunk.id,
        "title": clean(chunk.title),
        "section": chunk.section,
        "date": chunk.date,
        "text": clean(chunk.text),
        "names": clean(chunk.names),
        "snippet": clean(chunk.snippet),
        "source": chunk.source,
        "action": chunk.action,
        "outcome": chunk.outcome,
        "host": clean(chunk.host),
        "services": _bar("|".join(s.lower() for s in chunk.services)),
        "alerts": _bar("|".join(a.lower() for a in chunk.alerts)),
    }
    body = json.dumps(row, sort_keys=True)
    row["hash"] = hashlib.sha256(body.encode()).hexdigest()
    return row


@dataclass
class IngestReport:
    rows: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.rows} rows: {self.added} added, {self.updated} updated, "
            f"{self.removed} removed, {self.unchanged} unchanged; "
            f"{self.embedded} embedded in {self.embed_seconds:.1f}s; total {self.seconds:.1f}s"
        )


class KnowledgeIndex:
    def __init__(self, directory: Path, embedder: Embedder | None = None) -> None:
        self.directory = directory
        self.embedder = embedder
        self._connection: Any = None

    # ------------------------------------------------------------------ plumbing

    def _db(self) -> Any:
        """One connection per index, kept for its life: the connection's session caches the
        opened FTS and vector indices. A fresh connection per query reloaded the HNSW index
        from disk on every query, most of a hybrid query's time at 100k rows (see
        benchmarks/retrieval_scale.py). Tables are still opened per query, and a zero
        read-consistency interval makes every read check for a newer version, so rows written
        by another process (``kb ingest``, a learned ticket) are seen at once."""
        if self._connection is None:
            try:
                self._connection = lancedb.connect(
                    str(self.directory), read_consistency_interval=timedelta(0)
                )
            except Exception as exc:  # lancedb raises bare errors for I/O problems
                raise RetrievalError(f"cannot open the index at {self.directory}: {exc}") from exc
        return self._connection

    def _meta(self) -> dict[str, Any]:
        try:
            loaded = json.loads((self.directory / META).read_text())
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def _model(self) -> str:
        return self.embedder.name if self.embedder else "none"

    def exists(self) -> bool:
        try:
            return TABLE in self._db().list_tables().tables
        except Exception:
            return False

    # ------------------------------------------------------------------ writing

    def ingest(
        self,
        chunks: Sequence[Chunk] | KnowledgeBase,
        scrub: Scrub,
        *,
        prune: bool = True,
        progress: bool | None = None,
    ) -> IngestReport:
        """Make the index hold ``chunks``: embed and write only what is new or changed.

        With ``prune`` (a full ingest) rows no longer present are removed; without
        it (a learned ticket) the rest of the index is left alone. ``progress``
        None shows a bar only on a terminal.
        """
        started = time.perf_counter()
        if isinstance(chunks, KnowledgeBase):
            chunks = kb_chunks(chunks)
        rows = {r["row_id"]: r for r in (_row(c, scrub) for c in chunks)}
        if not rows:
            raise RetrievalError("nothing to index: no runbooks or tickets were found")
        report = IngestReport(rows=len(rows))
        try:
            db = self._db()
            fresh = not self.exists() or self._meta().get("model") != self._model()
            existing = {} if fresh else self._hashes(db.open_table(TABLE))
            changed = [r for rid, r in rows.items() if existing.get(rid) != r["hash"]]
            removed = [rid for rid in existing if rid not in rows] if prune else []
            report.added = sum(1 for r in changed if r["row_id"] not in existing)
            report.updated = len(changed) - report.added
            report.removed = len(removed)
            report.unchanged = len(rows) - len(changed)
            embed_started = time.perf_counter()
            self._embed(changed, progress)
            report.embedded = len(changed) if self.embedder else 0
            report.embed_seconds = time.perf_counter() - embed_started
            if fresh:
                table = db.create_table(TABLE, self._arrow(changed), mode="overwrite")
            else:
                table = db.open_table(TABLE)
                stale = [r["row_id"] for r in changed if r["row_id"] in existing] + removed
                for start in range(0, len(stale), 500):
                    table.delete(_in("row_id", stale[start : start + 500]))
                for start in range(0, len(changed), _BATCH * 8):
                    table.add(self._arrow(changed[start : start + _BATCH * 8]))
            if fresh or changed or removed:
                self._index(table, full=fresh or prune)
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / META).write_text(json.dumps({"model": self._model()}))
        except RemediateError:
            raise
        except Exception as exc:
            raise RetrievalError(f"cannot write the index at {self.directory}: {exc}") from exc
        report.seconds = time.perf_counter() - started
        return report

    def _hashes(self, table: Any) -> dict[str, str]:
        arrow = table.search().select(["row_id", "hash"]).limit(table.count_rows() + 1).to_arrow()
        return dict(zip(arrow["row_id"].to_pylist(), arrow["hash"].to_pylist(), strict=True))

    def _embed(self, rows: list[dict[str, Any]], progress: bool | None) -> None:
        if self.embedder is None or not rows:
            return
        show = sys.stderr.isatty() if progress is None else progress
        with tqdm(total=len(rows), desc="embedding", unit="chunk", disable=not show) as bar:
            for start in range(0, len(rows), _BATCH):
                batch = rows[start : start + _BATCH]
                vectors = self.embedder.embed([r["text"] for r in batch])
                for row, vector in zip(batch, vectors, strict=True):
                    row["vector"] = vector
                bar.update(len(batch))

    def _arrow(self, rows: list[dict[str, Any]]) -> pa.Table:
        columns = [c for c in rows[0] if c != "vector"] if rows else []
        data = {c: pa.array([r[c] for r in rows], pa.string()) for c in columns}
        if self.embedder is not None and rows:
            dim = len(rows[0]["vector"])
            flat = pa.array([x for r in rows for x in r["vector"]], pa.float32())
            data["vector"] = pa.FixedSizeListArray.from_arrays(flat, dim)
        return pa.table(data)

    def _index(self, table: Any, *, full: bool) -> None:
        if full:
            for column in ("text", "names"):
                table.create_index(column, config=FTS(with_position=False), replace=True)
            if self.embedder is not None and table.count_rows() >= ANN_MIN_ROWS:
                # Past a few thousand rows a flat scan of every vector dominates query time.
                # With a config, the first argument names the column (as for FTS above).
                table.create_index("vector", config=HnswSq(distance_type="cosine"), replace=True)
        else:  # a handful of new rows: fold them into the existing indices
            table.optimize()

    # ------------------------------------------------------------------ reading

    def search(
        self,
        query: str,
        *,
        k: int = 8,
        kind: CitationKind | None = None,
        service: str | None = None,
        alert: str | None = None,
        mode: str = "hybrid",
    ) -> list[Citation]:
        """Fused full-text (body and names) and, with an embedder, dense ranking.

        ``service`` and ``alert`` narrow the search to rows about that service or
        alert, plus rows that name none (a general runbook stays eligible).
        ``mode`` is ``hybrid``, ``fulltext``, ``dense`` or ``body`` (BM25 over the body
        alone, the baseline the benchmark compares with).
        """
        words = fts_query(query)
        if not words:
            return []
        where = _where(kind, service, alert)
        built_with = self._meta().get("model", "none")
        if built_with == "none" and mode == "hybrid":
            mode = "fulltext"  # an index without vectors still answers, by BM25
        elif built_with != self._model() and mode in ("hybrid", "dense"):
            raise RetrievalError(
                f"the index at {self.directory} was built with {built_with}, "
                f"not {self._model()}; run `remediate kb ingest` again"
            )
        try:
            table = self._db().open_table(TABLE)
            jobs: dict[str, Callable[[], list[dict[str, Any]]]] = {}
            if mode in ("hybrid", "fulltext", "body"):
                for column in ("text",) if mode == "body" else ("text", "names"):
                    jobs[column] = partial(self._fts, table, words, column, where)
            if mode in ("hybrid", "fulltext"):
                jobs["alert"] = partial(self._named, table, query, where)
            if mode in ("hybrid", "dense") and self.embedder is not None:
                vector = self.embedder.embed([plain(query)])[0]
                jobs["vector"] = partial(self._dense, table, vector, where)
            # The rankers are independent and LanceDB releases the GIL: run them side by side.
            futures = {name: _RANKERS.submit(job) for name, job in jobs.items()}
            rankings = {name: future.result() for name, future in futures.items()}
        except RemediateError:
            raise
        except Exception as exc:
            raise RetrievalError(
                f"knowledge base index unavailable ({exc}); run `remediate kb ingest`"
            ) from exc
        weights = WEIGHTS.get(mode, WEIGHTS["fulltext"])
        return [_citation(row, score) for row, score in fuse(rankings, weights)[:k]]

    def _fts(self, table: Any, words: str, column: str, where: str | None) -> list[dict[str, Any]]:
        request = table.search(words, query_type="fts", fts_columns=column).limit(CANDIDATES)
        if where:
            request = request.where(where, prefilter=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return list(request.select([*_COLUMNS, "_score"]).to_list())

    def _named(self, table: Any, query: str, where: str | None) -> list[dict[str, Any]]:
        """Rows written for an alert the query names, in the order the query names them."""
        names = list(dict.fromkeys(n.lower() for n in _IDENTIFIER.findall(query)))[:20]
        if not names:
            return []
        found: dict[str, list[dict[str, Any]]] = {}
        match = " OR ".join(f"alerts LIKE {_quote(f'%|{n}|%')}" for n in names)
        condition = f"({match})" + (f" AND {where}" if where else "")
        rows = table.search().where(condition).select([*_COLUMNS, "alerts"]).limit(CANDIDATES)
        for row in rows.to_list():
            first = next(n for n in names if f"|{n}|" in row["alerts"])
            found.setdefault(first, []).append(row)
        return [row for n in names for row in found.get(n, [])]

    def _dense(self, table: Any, vector: list[float], where: str | None) -> list[dict[str, Any]]:
        if "vector" not in table.schema.names:
            raise RetrievalError("the index holds no vectors; run `remediate kb ingest` again")
        request = table.search(vector, vector_column_name="vector").distance_type("cosine")
        request = request.limit(CANDIDATES)
        if where:
            request = request.where(where, prefilter=True)
        return list(request.select([*_COLUMNS, "_distance"]).to_list())


_COLUMNS = [
    "row_id",
    "kind",
    "id",
    "title",
    "section",
    "date",
    "snippet",
    "source",
    "action",
    "outcome",
]


def fuse(
    rankings: dict[str, list[dict[str, Any]]], weights: dict[str, float]
) -> list[tuple[dict[str, Any], float]]:
    """Reciprocal-rank fusion at two levels: documents, then their chunks.

    Each ranker adds ``weight / (RRF_K + rank)`` to a document (its rank among
    documents: the position of its best chunk) and to each chunk. Documents are
    ordered by their fused score, so evidence spread over several sections of
    one runbook adds up; within a document, the best-fused section comes first.
    """
    doc_scores: dict[str, float] = {}
    chunk_scores: dict[str, float] = {}
    rows: dict[str, dict[str, Any]] = {}
    for ranker, ranked in rankings.items():
        weight = weights.get(ranker, 1.0)
        seen: list[str] = []
        for rank, row in enumerate(ranked, start=1):
            rid, doc = row["row_id"], row["source"]
            chunk_scores[rid] = chunk_scores.get(rid, 0.0) + weight / (RRF_K + rank)
            rows.setdefault(rid, row)
            if doc not in seen:
                seen.append(doc)
                doc_scores[doc] = doc_scores.get(doc, 0.0) + weight / (RRF_K + len(seen))
    order = sorted(
        chunk_scores,
        key=lambda rid: (-doc_scores[rows[rid]["source"]], -chunk_scores[rid], rid),
    )
    return [(rows[rid], doc_scores[rows[rid]["source"]] + chunk_scores[rid]) for rid in order]


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(_quote(v) for v in values)})"


def _where(kind: CitationKind | None, service: str | None, alert: str | None) -> str | None:
    clauses = []
    if kind is not None:
        clauses.append(f"kind = {_quote(kind.value)}")
    for column, value in (("services", service), ("alerts", alert)):
        if value:
            like = _quote(f"%|{value.lower()}|%")
            clauses.append(f"({column} = '||' OR {column} LIKE {like})")
    return " AND ".join(clauses) or None


def _citation(hit: dict[str, Any], score: float) -> Citation:
    return Citation(
        kind=CitationKind(hit["kind"]),
        id=hit["id"],
        title=hit["title"],
        section=hit["section"] or None,
        date=hit["date"] or None,
        snippet=hit["snippet"],
        source=hit["source"],
        score=round(score, 6),
        action=hit["action"] or None,
        outcome=hit["outcome"] or None,
    )

"""Adapter around embedded LanceDB: index the knowledge base, search it, return citations.

One table, one row per runbook section and per ticket, searched with LanceDB's
native full-text index (BM25). Text is sanitized before it is written: the
index never holds raw addresses, host names or secrets. Pseudonyms in the
index carry no number (``[HOST]``), so they can never be mistaken for an
incident's own pseudonyms.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lancedb
from lancedb.index import FTS

from remediate.errors import RetrievalError
from remediate.kb import KnowledgeBase, runbook_chunks
from remediate.models import Citation, CitationKind

TABLE = "kb"
SNIPPET_CHARS = 320
_NUMBERED = re.compile(r"\[([A-Z][A-Z0-9_]*?)_\d+\]")
_PSEUDONYM = re.compile(r"\[[A-Z][A-Z0-9_]*\]")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

Scrub = Callable[[str], str]


def denumber(text: str) -> str:
    return _NUMBERED.sub(r"[\1]", text)


def fts_query(text: str) -> str:
    """A plain bag of words: pseudonyms and query syntax removed."""
    return " ".join(_WORD.findall(_PSEUDONYM.sub(" ", denumber(text))))[:2000]


def _rows(kb: KnowledgeBase, scrub: Scrub) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for runbook in kb.runbooks.values():
        rel = _relative(runbook.path, kb.root)
        for section, text in runbook_chunks(runbook):
            clean = denumber(scrub(text))
            rows.append(
                {
                    "row_id": f"{runbook.id}#{section.title}",
                    "kind": CitationKind.RUNBOOK.value,
                    "id": runbook.id,
                    "title": runbook.meta.title,
                    "section": section.title,
                    "date": "",
                    "text": clean,
                    "snippet": denumber(scrub(section.text))[:SNIPPET_CHARS],
                    "source": f"{rel}#{section.title}",
                    "action": runbook.meta.action,
                    "outcome": "",
                }
            )
    for ticket in kb.tickets.values():
        rows.append(
            {
                "row_id": ticket.id,
                "kind": CitationKind.TICKET.value,
                "id": ticket.id,
                "title": denumber(scrub(ticket.title)),
                "section": "",
                "date": ticket.date.isoformat(),
                "text": denumber(scrub(ticket.text())),
                "snippet": denumber(scrub(ticket.resolution))[:SNIPPET_CHARS],
                "source": f"incidents/{ticket.id}.yaml",
                "action": ticket.action,
                "outcome": ticket.outcome,
            }
        )
    return rows


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


class KnowledgeIndex:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _db(self) -> Any:
        try:
            return lancedb.connect(str(self.directory))
        except Exception as exc:  # lancedb raises bare errors for I/O problems
            raise RetrievalError(f"cannot open the index at {self.directory}: {exc}") from exc

    def ingest(self, kb: KnowledgeBase, scrub: Scrub) -> int:
        """Rebuild the index from ``kb``; returns the number of rows written."""
        rows = _rows(kb, scrub)
        if not rows:
            raise RetrievalError(f"knowledge base {kb.root} has no runbooks or tickets")
        try:
            db = self._db()
            mode = "overwrite" if TABLE in db.list_tables().tables else "create"
            table = db.create_table(TABLE, rows, mode=mode)
            table.create_index("text", config=FTS(with_position=False), replace=True)
        except RetrievalError:
            raise
        except Exception as exc:
            raise RetrievalError(f"cannot write the index at {self.directory}: {exc}") from exc
        return len(rows)

    def exists(self) -> bool:
        try:
            return TABLE in self._db().list_tables().tables
        except Exception:
            return False

    def search(self, query: str, *, k: int = 8, kind: CitationKind | None = None) -> list[Citation]:
        words = fts_query(query)
        if not words:
            return []
        try:
            table = self._db().open_table(TABLE)
            request = table.search(words, query_type="fts").limit(k)
            if kind is not None:
                request = request.where(f"kind = '{kind.value}'", prefilter=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                hits = request.to_list()
        except Exception as exc:
            raise RetrievalError(
                f"knowledge base index unavailable ({exc}); run `remediate kb ingest`"
            ) from exc
        return [_citation(hit) for hit in hits]


def _citation(hit: dict[str, Any]) -> Citation:
    return Citation(
        kind=CitationKind(hit["kind"]),
        id=hit["id"],
        title=hit["title"],
        section=hit["section"] or None,
        date=hit["date"] or None,
        snippet=hit["snippet"],
        source=hit["source"],
        score=float(hit.get("_score", 0.0)),
        action=hit["action"] or None,
        outcome=hit["outcome"] or None,
    )

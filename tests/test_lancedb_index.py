import re

import pytest

from remediate.config import PROJECT_ROOT
from remediate.errors import RetrievalError
from remediate.kb import load_kb
from remediate.lancedb_index import KnowledgeIndex, denumber, fts_query
from remediate.models import CitationKind, anchor
from remediate.sanitizer import Sanitizer


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    idx = KnowledgeIndex(tmp_path_factory.mktemp("idx"))
    idx.ingest(load_kb(PROJECT_ROOT / "kb"), Sanitizer().sanitize)
    return idx


def test_search_returns_citations_with_section_or_date(index):
    hits = index.search("502 Bad Gateway connection refused upstream app crashed", k=8)
    assert hits, "expected hits for the article's alert"
    runbooks = [h for h in hits if h.kind is CitationKind.RUNBOOK]
    tickets = [h for h in hits if h.kind is CitationKind.TICKET]
    assert runbooks and all(h.section and h.link == f"{h.source}#{anchor(h.section)}" for h in runbooks)
    assert tickets and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", h.date) for h in tickets)
    assert all(h.snippet and h.score > 0 for h in hits)


@pytest.mark.parametrize(
    ("query", "runbook"),
    [
        (
            "nginx: [emerg] configuration file /etc/nginx/nginx.conf test failed after deploy",
            "RB-config-error-after-deploy",
        ),
        ("Start request repeated too quickly start-limit-hit restart loop", "RB-restart-loop"),
        (
            "postgres PANIC could not write to file No space left on device data directory",
            "RB-db-disk-full",
        ),
    ],
)
def test_the_right_runbook_is_among_the_first_hits(index, query, runbook):
    ids = [h.id for h in index.search(query, k=5, kind=CitationKind.RUNBOOK)]
    assert runbook in ids[:3], ids


def test_the_index_holds_no_raw_addresses(index):
    rows = index._db().open_table("kb").to_arrow().to_pylist()
    text = " ".join(r["text"] + r["snippet"] + r["title"] for r in rows)
    assert not re.search(r"\b10\.\d+\.\d+\.\d+\b", text)
    assert not re.search(r"\[[A-Z_]+_\d+\]", text), "index pseudonyms must carry no number"


def test_query_text_is_reduced_to_words():
    assert fts_query('[HOST_1] said "x" (y) AND:z') == "said x y AND z"
    assert denumber("[IP_ADDRESS_12] and [HOST_3]") == "[IP_ADDRESS] and [HOST]"


def test_missing_index_is_an_operational_error(tmp_path):
    with pytest.raises(RetrievalError, match="kb ingest"):
        KnowledgeIndex(tmp_path / "nothing").search("anything")

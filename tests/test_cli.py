"""The `remediate` command as a process: sanitize, kb, investigate on bad input, inquiry errors."""

import json

import pytest

from command import remediate


def test_sanitize_reads_stdin_and_writes_pseudonyms():
    proc = remediate(
        "sanitize",
        "-",
        stdin="Failed password for root from 10.1.2.3 port 22\n"
        "retry from 10.1.2.3; token=abcdef123456\n",
    )
    assert proc.returncode == 0
    assert proc.stdout == (
        "Failed password for root from [IP_ADDRESS_1] port 22\n"
        "retry from [IP_ADDRESS_1]; token=[SECRET_TOKEN]\n"
    )


def test_kb_ingest_then_search_as_json(tmp_path):
    assert remediate("kb", "ingest", state=tmp_path).returncode == 0
    proc = remediate(
        "kb", "search", "nginx emerg configuration test failed", "--json", state=tmp_path
    )
    hits = json.loads(proc.stdout)
    assert hits and {"id", "title", "section", "source", "score"} <= set(hits[0])


@pytest.mark.parametrize("payload", ["{broken", '{"server_id": "srv-prod-04"}', "[]"])
def test_investigate_bad_input_exits_2_and_records_nothing(tmp_path, payload):
    proc = remediate("investigate", "-", stdin=payload, state=tmp_path)
    assert proc.returncode == 2 and "AlertFormatError" in proc.stderr
    assert "Traceback" not in proc.stderr
    listing = remediate("incident", "list", "--json", state=tmp_path)
    assert json.loads(listing.stdout) == []


def test_responding_to_an_unknown_inquiry_exits_5(tmp_path):
    proc = remediate("inquiry", "respond", "inq-nope", "--approve", "--as", "alice", state=tmp_path)
    assert proc.returncode == 5 and "no inquiry" in proc.stderr


RUNBOOKS = {
    "web/NginxDown.md": "# NginxDown\n\n## Meaning\nnginx is not serving; the probe is refused.\n\n"
    "## Mitigation\nRestart nginx after checking its configuration.\n",
    "db/pool.md": "---\ntitle: Database pool exhausted\n---\n## Meaning\nToo many connections.\n",
    "broken.md": "---\ntitle: [unclosed\n---\n## Meaning\nx\n",
}


def test_kb_contract_ingest_paths_search_json_and_query_file(tmp_path):
    docs = tmp_path / "docs"
    for name, text in RUNBOOKS.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text)
    db = tmp_path / "db"
    ingest = remediate("kb", "ingest", str(docs), "--db", str(db), state=tmp_path / "s")
    assert ingest.returncode == 0, ingest.stderr
    assert f"skipped {docs / 'broken.md'}:2:" in ingest.stderr and "Traceback" not in ingest.stderr
    assert "3 rows: 3 added" in ingest.stdout
    strict = remediate("kb", "ingest", str(docs), "--db", str(db), "--strict", state=tmp_path / "s")
    assert strict.returncode == 1 and "3 unchanged" in strict.stdout

    proc = remediate("kb", "search", "nginx refused", "--db", str(db), "--json", state=tmp_path)
    hits = json.loads(proc.stdout)
    assert {"id", "title", "source", "section", "score"} <= set(hits[0])
    assert (hits[0]["id"], hits[0]["source"]) == ("NginxDown", str(docs / "web/NginxDown.md"))
    assert hits[0]["link"] == f"{docs / 'web/NginxDown.md'}#{hits[0]['section'].lower()}"

    queries = tmp_path / "queries.txt"
    queries.write_text("too many connections\n\nnginx probe refused\n")
    proc = remediate("kb", "search", "--queries", str(queries), "--db", str(db), "-k", "1")
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["too many connections", "nginx probe refused"]
    assert [line["hits"][0]["title"] for line in lines] == ["Database pool exhausted", "NginxDown"]
    assert all(len(line["hits"]) == 1 for line in lines)


# Full-text only where dense retrieval is not the subject: every process would load torch.
BM25 = {"REMEDIATE_EMBEDDINGS_PROVIDER": "none"}


def test_an_escalated_incident_resolved_by_a_human_becomes_a_ticket(tmp_path):
    assert remediate("kb", "ingest", state=tmp_path, env=BM25).returncode == 0
    alert = {"server_id": "db-legacy-9", "error_msg": "OrdersReplicaLagging replica lag 900s"}
    proc = remediate(
        "investigate", "-", "--json", stdin=json.dumps(alert), state=tmp_path, env=BM25
    )
    incident = json.loads(proc.stdout)
    assert incident["status"] == "escalated"
    note = "replication slot was full; dropped the stale slot and lag recovered"
    proc = remediate(
        "incident",
        "resolve",
        incident["id"],
        "--note",
        note,
        "--as",
        "bob",
        "--json",
        state=tmp_path,
        env=BM25,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "closed"
    [ticket] = (tmp_path / "learned").glob("INC-*.yaml")
    assert "db-legacy-9" not in ticket.read_text(), "the human's ticket is sanitized too"
    proc = remediate(
        "kb", "search", "OrdersReplicaLagging replica lag", "--json", state=tmp_path, env=BM25
    )
    first = json.loads(proc.stdout)[0]
    assert (first["id"], first["source"]) == (ticket.stem, str(ticket))
    again = remediate(
        "incident", "resolve", incident["id"], "--note", "x", "--as", "bob", state=tmp_path
    )
    assert again.returncode == 4 and "cannot go from closed" in again.stderr


def test_kb_add_ticket_validates_and_indexes(tmp_path):
    assert remediate("kb", "ingest", state=tmp_path, env=BM25).returncode == 0
    bad = tmp_path / "INC-9100.yaml"
    bad.write_text("id: INC-9100\ndate: 2026-03-02\n")
    proc = remediate("kb", "add-ticket", str(bad), state=tmp_path, env=BM25)
    assert proc.returncode == 2 and f"{bad}:1: invalid ticket" in proc.stderr
    good = tmp_path / "INC-5123.yaml"
    good.write_text(
        "id: INC-5123\ndate: 2026-03-02\ntitle: ledger worker wedged on a poisoned message\n"
        "host: worker-3\nservice: ledger\nalert: LedgerBacklog\nsymptoms: backlog grew\n"
        "root_cause: poisoned message\nresolution: parked the message, restarted ledger\n"
        "action: restart_service\nparams: {service: ledger}\noutcome: resolved\n"
    )
    proc = remediate("kb", "add-ticket", str(good), state=tmp_path, env=BM25)
    assert proc.returncode == 0 and "1 added" in proc.stdout
    proc = remediate(
        "kb", "search", "ledger backlog poisoned message", "--json", state=tmp_path, env=BM25
    )
    first = json.loads(proc.stdout)[0]
    assert (first["id"], first["date"]) == ("INC-5123", "2026-03-02")

"""The `remediate` command as a process: sanitize, kb, investigate on bad input, inquiry errors."""

import getpass
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
    proc = remediate("inquiry", "respond", "inq-nope", "--approve", state=tmp_path)
    assert proc.returncode == 5 and "no inquiry" in proc.stderr


def test_sanitize_json_reports_counts_per_type_and_never_values(tmp_path):
    log = tmp_path / "auth.log"
    log.write_text(
        "Dec 10 06:55:46 LabSZ sshd[1]: Invalid user webmaster from 173.234.31.186\n"
        "password=hunter2 mail ops@example.org\n"
    )

    proc = remediate("sanitize", str(log), "--json")

    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report == {
        "lines": 2,
        "replacements": {
            "EMAIL": 1,
            "HOST": 1,
            "IP_ADDRESS": 1,
            "SECRET_TOKEN": 1,
            "USER": 1,
        },
    }
    for value in ("LabSZ", "webmaster", "173.234.31.186", "hunter2", "ops@example.org"):
        assert value not in proc.stdout + proc.stderr


def test_sanitize_a_missing_file_or_binary_input_is_no_traceback(tmp_path):
    missing = remediate("sanitize", str(tmp_path / "nope.log"))
    binary = tmp_path / "core.bin"
    binary.write_bytes(b"\xff\xfe\x00 10.0.0.1\n\x80\x81 user=alice\n")
    garbled = remediate("sanitize", str(binary))

    assert missing.returncode == 2 and "cannot read" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert garbled.returncode == 0 and "Traceback" not in garbled.stderr
    assert "[IP_ADDRESS_1]" in garbled.stdout and "alice" not in garbled.stdout


def _peak_rss_mb(path) -> float:
    import os
    import subprocess

    from command import BIN

    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen([str(BIN / "remediate"), "sanitize", str(path)], stdout=sink)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    assert process.returncode == 0
    return usage.ru_maxrss / 1024


def test_sanitize_streams_in_constant_memory(tmp_path):
    # 250 distinct hosts, users and addresses: the pseudonym map is bounded, the input is not.
    def write(path, lines):
        with path.open("w") as out:
            for i in range(lines):
                out.write(
                    f"Dec 10 06:55:{i % 60:02d} node-{i % 250} sshd[{i}]: Failed password for "
                    f"user{i % 250} from 10.1.{i % 250}.{i % 7 + 1} port {i % 65535} ssh2 "
                    f"token=t{i % 250}abc\n"
                )
        return path.stat().st_size

    small = write(tmp_path / "small.log", 400)
    large = write(tmp_path / "large.log", 40_000)

    small_rss, large_rss = (
        _peak_rss_mb(tmp_path / "small.log"),
        _peak_rss_mb(tmp_path / "large.log"),
    )

    assert large > 90 * small  # two orders of magnitude more input ...
    assert large_rss < small_rss + 10, (small_rss, large_rss)  # ... and no more memory


def test_sanitize_uses_the_configured_internal_domains_and_allowlist(tmp_path):
    config = tmp_path / "remediate.yaml"
    config.write_text(
        "sanitizer:\n  allow: [billing.acme-intra]\n  internal_domains: [acme-intra]\n"
    )

    proc = remediate(
        "--config", str(config), "sanitize", "-", stdin="billing.acme-intra calls db.acme-intra\n"
    )

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "billing.acme-intra calls [HOST_1]\n"


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
    [outcome] = json.loads(proc.stdout)
    incident = outcome["incident"]
    assert incident["status"] == "escalated" and outcome["inquiry_id"] is None
    assert outcome["next"].startswith("remediate incident resolve")
    note = "replication slot was full; dropped the stale slot and lag recovered"
    proc = remediate(
        "incident",
        "resolve",
        incident["id"],
        "--note",
        note,
        "--json",
        state=tmp_path,
        env=BM25,
    )
    assert proc.returncode == 0, proc.stderr
    shown = json.loads(proc.stdout)
    assert shown["status"] == "closed"
    assert [e["step"] for e in shown["timeline"]][-2:] == [
        f"resolved by {getpass.getuser()}",
        "learned",
    ]
    [ticket] = (tmp_path / "learned").glob("INC-*.yaml")
    assert "db-legacy-9" not in ticket.read_text(), "the human's ticket is sanitized too"
    proc = remediate(
        "kb", "search", "OrdersReplicaLagging replica lag", "--json", state=tmp_path, env=BM25
    )
    first = json.loads(proc.stdout)[0]
    assert (first["id"], first["source"]) == (ticket.stem, str(ticket))
    again = remediate("incident", "resolve", incident["id"], "--note", "x", state=tmp_path)
    assert again.returncode == 4 and "is closed" in again.stderr


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
